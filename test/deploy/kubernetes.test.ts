import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Deployment } from 'kubernetes-models/apps/v1'
import { HorizontalPodAutoscaler } from 'kubernetes-models/autoscaling/v2'
import { PodDisruptionBudget } from 'kubernetes-models/policy/v1'
import { ConfigMap, Secret, Service } from 'kubernetes-models/v1'
import t from 'tap'
import { parseAllDocuments } from 'yaml'
import { loadConfig } from '../../src/config/load.ts'

const dir = new URL('../../deploy/kubernetes/', import.meta.url)
const MODELS: Record<string, new (data: any) => { validate: () => void }> = {
  'apps/v1 Deployment': Deployment,
  'autoscaling/v2 HorizontalPodAutoscaler': HorizontalPodAutoscaler,
  'policy/v1 PodDisruptionBudget': PodDisruptionBudget,
  'v1 ConfigMap': ConfigMap,
  'v1 Secret': Secret,
  'v1 Service': Service
}

const docs = readdirSync(dir).filter((f) => f.endsWith('.yaml')).flatMap((file) =>
  parseAllDocuments(readFileSync(new URL(file, dir), 'utf8')).map((d) => ({ file, doc: d.toJS() })))

t.test('every manifest validates against the Kubernetes schema of its kind', async (t) => {
  t.ok(docs.length >= 8)
  for (const { file, doc } of docs) {
    const Model = MODELS[`${doc.apiVersion} ${doc.kind}`]
    t.ok(Model, `${file}: ${doc.apiVersion} ${doc.kind} is a known kind`)
    t.doesNotThrow(() => new Model(doc).validate(), `${file}: ${doc.kind} ${doc.metadata?.name} is valid`)
  }
  const broken = { ...docs.find((d) => d.doc.kind === 'Deployment')!.doc, spec: { replicas: 'three' } }
  t.throws(() => new Deployment(broken).validate(), 'the validator does reject a bad manifest')
})

t.test('the deployment probes health and readiness and drains before it stops', async (t) => {
  const gateway = docs.find((d) => d.doc.kind === 'Deployment' && d.doc.metadata.name === 'dlp-gateway')!.doc
  const container = gateway.spec.template.spec.containers[0]
  t.equal(container.readinessProbe.httpGet.path, '/readyz')
  t.equal(container.livenessProbe.httpGet.path, '/healthz')
  t.ok(gateway.spec.template.spec.terminationGracePeriodSeconds > 35)
  t.equal(container.securityContext.readOnlyRootFilesystem, true)
  const kinds = docs.map((d) => d.doc.kind)
  for (const kind of ['Deployment', 'Service', 'HorizontalPodAutoscaler', 'PodDisruptionBudget', 'ConfigMap', 'Secret']) t.ok(kinds.includes(kind), kind)
})

t.test('the ConfigMap holds a configuration the gateway accepts', async (t) => {
  const map = docs.find((d) => d.doc.kind === 'ConfigMap')!.doc
  const secret = docs.find((d) => d.doc.kind === 'Secret')!.doc
  const secrets = mkdtempSync(join(tmpdir(), 'gw-k8s-'))
  for (const [name, value] of Object.entries<string>(secret.stringData)) writeFileSync(join(secrets, name), value)
  const file = join(secrets, 'gateway.yaml')
  writeFileSync(file, map.data['gateway.yaml'].replaceAll('/run/secrets/gateway/', `${secrets}/`))
  const config = loadConfig({ GATEWAY_CONFIG: file })
  t.same(config.providers.map((p) => p.id), ['zwa', 'cloudlock'])
  t.equal(config.redis_url, 'redis://dlp-gateway-redis:6379')
  t.equal(config.server.shutdown_drain_ms, 5000)
  t.equal(config.demo.enabled, false, 'never demo mode')
})

// Spec 8: demo mode only on explicit request, and never in the shipped deployment artefacts.
t.test('neither the manifests nor the Dockerfile run demo mode', async (t) => {
  for (const { file, doc } of docs) {
    for (const c of doc.spec?.template?.spec?.containers ?? []) {
      t.notOk([...c.command ?? [], ...c.args ?? []].includes('--demo'), `${file}: ${c.name} has no --demo flag`)
      t.notOk((c.env ?? []).some((e: { name: string }) => e.name === 'DEMO'), `${file}: ${c.name} sets no DEMO`)
    }
  }
  const dockerfile = readFileSync(new URL('../../Dockerfile', import.meta.url), 'utf8')
  t.match(dockerfile, /^CMD \["node", ("--[a-z-]+=\d+", )*"src\/server\.ts"\]$/m, 'the image runs the gateway, node flags only')
  t.notMatch(dockerfile, /--demo|\bDEMO\b/, 'and sets no DEMO')
})
