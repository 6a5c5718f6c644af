// A CRI client for tests/e2e/cri.bats: speaks CRI v1 (tests/cri/api.proto) to containerd's CRI
// plugin over its socket and turns a Pod object (Kubernetes JSON) into the calls kubelet makes
// for it: ImageStatus, RunPodSandbox with the runtime class's handler, PodSandboxStatus, then
// CreateContainer and StartContainer for each container; on deletion StopPodSandbox and
// RemovePodSandbox. Images are never pulled (imagePullPolicy Never: they are imported).
//
// Usage: node tests/cri/cri.mjs SOCKET COMMAND ARGS...
//   status                          runtime conditions; fails unless RuntimeReady and NetworkReady
//   version                         the runtime's name and versions
//   run-pod POD.json OUT.json       run a pod; OUT gets {pod, ip, containers: {name: id}}
//   exec CID TIMEOUT CMD...         ExecSync; the command's stdout/stderr, exits with its status
//   execs CID TIMEOUT ARGV-JSON...  ExecSync of each command in turn (a JSON array each); one
//                                   line {cmd, exit_code, output} per command
//   stop-container CID | rm-container CID | stop-pod PODID | rm-pod PODID
//   pods | containers [PODID] | inspect-pod PODID | inspect CID    JSON on stdout
//   cleanup                         stop and remove every pod (a test's teardown)
// Environment: CRI_HANDLERS "class=handler,..." (the RuntimeClasses: runtimeClassName to
// runtime_handler; an unknown class fails as kubelet fails it), CRI_LOG_ROOT (the pods' log
// directories, kubelet's /var/log/pods), CRI_CGROUP_ROOT (the pods' cgroup parents are
// CRI_CGROUP_ROOT/pod<uid>, as kubelet's are /kubepods/.../pod<uid>; unset: none given),
// CRI_TIMEOUT (seconds per call, default 120).
import { readFileSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import grpc from '@grpc/grpc-js'
import protoLoader from '@grpc/proto-loader'

const here = dirname(fileURLToPath(import.meta.url))
const def = protoLoader.loadSync(join(here, 'api.proto'), {
	keepCase: true,
	longs: Number,
	enums: String,
	defaults: true
})
const v1 = grpc.loadPackageDefinition(def).runtime.v1
const [sock, cmd, ...args] = process.argv.slice(2)
if (!sock || !cmd) {
	console.error('usage: cri.mjs SOCKET COMMAND ARGS...')
	process.exit(2)
}
const address = `unix:${sock}`
const runtime = new v1.RuntimeService(address, grpc.credentials.createInsecure())
const images = new v1.ImageService(address, grpc.credentials.createInsecure())
const timeout = Number(process.env.CRI_TIMEOUT || 120)
const cgroupRoot = process.env.CRI_CGROUP_ROOT || ''

// call(service, 'Method', request): the response, or throws with the method named.
function call(svc, method, req) {
	const deadline = new Date(Date.now() + timeout * 1000)
	return new Promise((resolve, reject) =>
		svc[method](req, { deadline }, (err, res) =>
			err ? reject(new Error(`${method}: ${err.details || err.message}`)) : resolve(res)
		)
	)
}
const print = (o) => console.log(JSON.stringify(o, null, 1))

// The RuntimeClass step of kubelet: runtimeClassName to handler ("" is the default handler).
function handlerOf(pod) {
	const cls = pod.spec.runtimeClassName
	if (!cls) return ''
	for (const kv of (process.env.CRI_HANDLERS || '').split(',').filter(Boolean)) {
		const [c, h] = kv.split('=')
		if (c === cls) return h
	}
	throw new Error(`RuntimeClass "${cls}" not found`)
}

const podLabels = (m) => ({
	'io.kubernetes.pod.name': m.name,
	'io.kubernetes.pod.namespace': m.namespace,
	'io.kubernetes.pod.uid': m.uid
})

// kubelet's generatePodSandboxConfig, for the fields a Pod object of these tests carries.
function sandboxConfig(pod) {
	const m = { namespace: 'default', ...pod.metadata }
	const dns = pod.spec.dnsConfig || {}
	const nsMode = pod.spec.hostNetwork ? 'NODE' : 'POD'
	return {
		metadata: { name: m.name, uid: m.uid, namespace: m.namespace, attempt: 0 },
		hostname: pod.spec.hostNetwork ? '' : m.name,
		log_directory: join(process.env.CRI_LOG_ROOT || '/var/log/pods',
			`${m.namespace}_${m.name}_${m.uid}`),
		dns_config: { servers: dns.nameservers || [], searches: dns.searches || [],
			options: (dns.options || []).map((o) => (o.value ? `${o.name}:${o.value}` : o.name)) },
		labels: { ...(m.labels || {}), ...podLabels(m) },
		annotations: { ...(m.annotations || {}), 'kubernetes.io/config.source': 'api',
			'kubernetes.io/config.seen': new Date().toISOString() },
		linux: {
			cgroup_parent: cgroupRoot ? `${cgroupRoot}/pod${m.uid}` : '',
			security_context: {
				namespace_options: { network: nsMode, pid: 'CONTAINER', ipc: nsMode },
				seccomp: { profile_type: 'Unconfined' }
			}
		}
	}
}

// kubelet's generateContainerConfig, likewise.
function containerConfig(pod, c) {
	const m = { namespace: 'default', ...pod.metadata }
	const sc = c.securityContext || {}
	const caps = sc.capabilities || {}
	return {
		metadata: { name: c.name, attempt: 0 },
		image: { image: c.image },
		command: c.command || [],
		args: c.args || [],
		working_dir: c.workingDir || '',
		envs: (c.env || []).map((e) => ({ key: e.name, value: e.value })),
		labels: { ...podLabels(m), 'io.kubernetes.container.name': c.name },
		annotations: { 'io.kubernetes.container.restartCount': '0',
			'io.kubernetes.container.terminationMessagePath': '/dev/termination-log' },
		log_path: `${c.name}/0.log`,
		linux: {
			security_context: {
				capabilities: { add_capabilities: caps.add || [], drop_capabilities: caps.drop || [] },
				privileged: !!sc.privileged,
				namespace_options: { network: pod.spec.hostNetwork ? 'NODE' : 'POD',
					pid: 'CONTAINER', ipc: 'POD' },
				no_new_privs: sc.allowPrivilegeEscalation === false,
				seccomp: { profile_type: 'Unconfined' }
			}
		}
	}
}

async function needImage(image) {
	const r = await call(images, 'ImageStatus', { image: { image } })
	if (!r.image) throw new Error(`ImageStatus: image ${image} not present (imagePullPolicy Never)`)
}

async function runPod(file, out) {
	const pod = JSON.parse(readFileSync(file, 'utf8'))
	const handler = handlerOf(pod)
	for (const c of pod.spec.containers) await needImage(c.image)
	const config = sandboxConfig(pod)
	const { pod_sandbox_id: id } = await call(runtime, 'RunPodSandbox', {
		config,
		runtime_handler: handler
	})
	const state = { pod: id, handler, ip: '', containers: {} }
	writeFileSync(out, JSON.stringify(state))
	const st = await call(runtime, 'PodSandboxStatus', { pod_sandbox_id: id })
	state.ip = st.status.network ? st.status.network.ip : ''
	for (const c of pod.spec.containers) {
		const { container_id: cid } = await call(runtime, 'CreateContainer', {
			pod_sandbox_id: id,
			config: containerConfig(pod, c),
			sandbox_config: config
		})
		state.containers[c.name] = cid
		writeFileSync(out, JSON.stringify(state))
		await call(runtime, 'StartContainer', { container_id: cid })
	}
	console.log(id)
}

async function cleanup() {
	const { items } = await call(runtime, 'ListPodSandbox', {})
	for (const p of items) {
		await call(runtime, 'StopPodSandbox', { pod_sandbox_id: p.id })
		await call(runtime, 'RemovePodSandbox', { pod_sandbox_id: p.id })
	}
}

async function main() {
	switch (cmd) {
	case 'status': {
		const r = await call(runtime, 'Status', {})
		print(r.status.conditions)
		const ok = (t) => r.status.conditions.some((c) => c.type === t && c.status)
		return ok('RuntimeReady') && ok('NetworkReady') ? 0 : 1
	}
	case 'version':
		print(await call(runtime, 'Version', { version: 'v1' }))
		return 0
	case 'run-pod':
		await runPod(args[0], args[1])
		return 0
	case 'exec': {
		const [cid, t, ...argv] = args
		const r = await call(runtime, 'ExecSync', { container_id: cid, cmd: argv, timeout: Number(t) })
		process.stdout.write(r.stdout)
		process.stderr.write(r.stderr)
		return r.exit_code
	}
	case 'execs': {
		const [cid, t, ...cmds] = args
		for (const c of cmds) {
			const argv = JSON.parse(c)
			const r = await call(runtime, 'ExecSync', { container_id: cid, cmd: argv, timeout: Number(t) })
			const output = (r.stdout.toString() + r.stderr.toString()).trim()
			console.log(JSON.stringify({ cmd: argv, exit_code: r.exit_code, output }))
		}
		return 0
	}
	case 'stop-container':
		await call(runtime, 'StopContainer', { container_id: args[0], timeout: 0 })
		return 0
	case 'rm-container':
		await call(runtime, 'RemoveContainer', { container_id: args[0] })
		return 0
	case 'stop-pod':
		await call(runtime, 'StopPodSandbox', { pod_sandbox_id: args[0] })
		return 0
	case 'rm-pod':
		await call(runtime, 'RemovePodSandbox', { pod_sandbox_id: args[0] })
		return 0
	case 'pods':
		print((await call(runtime, 'ListPodSandbox', {})).items)
		return 0
	case 'containers': {
		const filter = args[0] ? { pod_sandbox_id: args[0] } : {}
		print((await call(runtime, 'ListContainers', { filter })).containers)
		return 0
	}
	case 'inspect-pod':
		print(await call(runtime, 'PodSandboxStatus', { pod_sandbox_id: args[0], verbose: true }))
		return 0
	case 'inspect':
		print(await call(runtime, 'ContainerStatus', { container_id: args[0], verbose: true }))
		return 0
	case 'cleanup':
		await cleanup()
		return 0
	default:
		throw new Error(`unknown command ${cmd}`)
	}
}

main().then(
	(rc) => process.exit(rc),
	(e) => {
		console.error(`cri: ${e.message}`)
		process.exit(3)
	}
)
