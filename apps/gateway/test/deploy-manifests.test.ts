// deploy/kubernetes checked against the gateway: probe paths answer on the real app, ports, env names and
// values the config accepts, the shutdown timeline, and objects that select each other.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CONFIG_VARIABLES, parseConfig } from '../src/config.js';
import {
  type Doc,
  KUBE_DIR,
  kubeYamlFiles,
  manifest,
  readRepoFile,
  readYaml,
} from './support/deploy-files.js';
import { startGateway, type TestGateway } from './support/start-gateway.js';

const kube = (file: string) => `deploy/kubernetes/${file}`;
const kustomization = readYaml(kube('kustomization.yaml')).docs[0] as Doc;
const deployment = manifest(kube('deployment.yaml'), 'Deployment');
const pod = deployment.spec.template;
const container = pod.spec.containers[0] as Doc;
const configMap = manifest(kube('configmap.yaml'), 'ConfigMap');
const secret = manifest(kube('secret.yaml'), 'Secret');
const hpa = manifest(kube('hpa.yaml'), 'HorizontalPodAutoscaler');
const REDIS_OPTIONS = ['sentinel', 'external', 'cluster'] as const;

/** The ConfigMap data a Redis component patches in. */
function redisPatch(option: (typeof REDIS_OPTIONS)[number]): Record<string, string> {
  const component = readYaml(kube(`redis/${option}/kustomization.yaml`)).docs[0] as Doc;
  expect(component.kind).toBe('Component');
  const patches = (component.patches as { path: string }[]).map((patch) =>
    manifest(kube(`redis/${option}/${patch.path}`), 'ConfigMap'),
  );
  for (const patch of patches) expect(patch.metadata.name).toBe(configMap.metadata.name);
  return Object.assign({}, ...patches.map((patch) => patch.data));
}

/** The environment a pod gets with one Redis option: ConfigMap + patch + Secret (a key filled in). */
function podEnv(option: (typeof REDIS_OPTIONS)[number]): Record<string, string> {
  return { ...configMap.data, ...redisPatch(option), ...secret.stringData, PROXYAPI_API_KEY: 'sk-filled-in' };
}

const preStopSeconds = (): number => {
  const command = container.lifecycle.preStop.exec.command as string[];
  expect(command[0]).toBe('sleep');
  return Number(command[1]);
};

describe('deploy/kubernetes', () => {
  it('every file parses, and kustomization.yaml lists every top-level manifest and an existing Redis component', () => {
    const files = kubeYamlFiles();
    expect(files.length).toBeGreaterThanOrEqual(12);
    for (const file of files) {
      for (const doc of readYaml(file).docs) {
        if (file.endsWith('bitnami-values.yaml')) continue; // Helm values, not a Kubernetes object
        expect(doc.apiVersion, file).toEqual(expect.any(String));
        expect(doc.kind, file).toEqual(expect.any(String));
      }
    }
    const topLevel = files
      .filter((file) => /^deploy\/kubernetes\/[^/]+$/.test(file) && !file.endsWith('kustomization.yaml'))
      .map((file) => file.slice('deploy/kubernetes/'.length));
    expect([...kustomization.resources].sort()).toEqual(topLevel.sort());
    expect(kustomization.components).toHaveLength(1);
    for (const component of kustomization.components as string[]) {
      expect(existsSync(join(KUBE_DIR, component, 'kustomization.yaml'))).toBe(true);
    }
  });

  it('the container port is PORT from the ConfigMap, the Dockerfile EXPOSE, and the Service target', () => {
    const port = parseConfig(podEnv('sentinel')).service.port;
    expect(container.ports).toEqual([{ name: 'http', containerPort: port, protocol: 'TCP' }]);
    expect(readRepoFile('Dockerfile')).toMatch(new RegExp(`^EXPOSE ${port}$`, 'm'));
    const service = manifest(kube('service.yaml'), 'Service');
    expect(service.spec.ports).toEqual([{ name: 'http', port, targetPort: 'http', protocol: 'TCP' }]);
    // The image's CMD runs the gateway as PID 1 (SIGTERM reaches it): no command override here.
    expect(container.command).toBeUndefined();
    expect(readRepoFile('Dockerfile')).toMatch(/^CMD \["node", "dist\/main\.js"\]$/m);
  });

  it('probes: readiness on /health/ready, liveness and start-up on /health, all on the http port', () => {
    expect(container.readinessProbe.httpGet).toEqual({ path: '/health/ready', port: 'http' });
    expect(container.livenessProbe.httpGet).toEqual({ path: '/health', port: 'http' });
    expect(container.startupProbe.httpGet).toEqual({ path: '/health', port: 'http' });
    // A shutting-down pod leaves the endpoints within two readiness periods, well inside the drain.
    const { periodSeconds, failureThreshold } = container.readinessProbe;
    expect(periodSeconds * failureThreshold).toBeLessThan(preStopSeconds() + 5);
  });

  it('terminationGracePeriodSeconds covers preStop + SHUTDOWN_TIMEOUT_MS + a margin', () => {
    const drainSeconds = parseConfig(podEnv('sentinel')).shutdown.timeoutMs / 1000;
    expect(drainSeconds).toBe(25);
    expect(preStopSeconds()).toBeGreaterThanOrEqual(5);
    expect(pod.spec.terminationGracePeriodSeconds).toBeGreaterThanOrEqual(
      preStopSeconds() + drainSeconds + 5,
    );
  });

  it('every variable in the ConfigMap, its Redis patches, the Secret and the pod spec is one the gateway reads', () => {
    const names = new Set([
      ...Object.keys(configMap.data),
      ...REDIS_OPTIONS.flatMap((option) => Object.keys(redisPatch(option))),
      ...Object.keys(secret.stringData),
      ...((container.env ?? []) as { name: string }[]).map((entry) => entry.name),
    ]);
    expect([...names].filter((name) => !CONFIG_VARIABLES.includes(name))).toEqual([]);
    expect(container.envFrom).toEqual([
      { configMapRef: { name: configMap.metadata.name } },
      { secretRef: { name: secret.metadata.name } },
    ]);
  });

  it.each(REDIS_OPTIONS)('the values with the %s Redis component pass the gateway config', (option) => {
    const config = parseConfig(podEnv(option));
    expect(config.env).toBe('production');
    expect(config.shutdown.timeoutMs).toBe(25_000);
  });

  it('the Secret is a template: every value empty', () => {
    expect(secret.type).toBe('Opaque');
    expect(Object.values(secret.stringData).every((value) => value === '')).toBe(true);
    expect(secret.data).toBeUndefined();
  });

  it('the HPA scales this Deployment and RATE_LIMIT_INSTANCES is its maxReplicas', () => {
    expect(hpa.apiVersion).toBe('autoscaling/v2');
    expect(hpa.spec.scaleTargetRef).toEqual({
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      name: deployment.metadata.name,
    });
    expect(hpa.spec.minReplicas).toBeGreaterThanOrEqual(2);
    expect(hpa.spec.maxReplicas).toBeGreaterThanOrEqual(hpa.spec.minReplicas);
    expect(Number(configMap.data.RATE_LIMIT_INSTANCES)).toBe(hpa.spec.maxReplicas);
    expect(deployment.spec.replicas).toBeUndefined(); // the HPA owns the count
    expect(container.resources.requests.cpu).toEqual(expect.any(String)); // utilization needs a request
  });

  it('the Service, the PodDisruptionBudget and the Deployment select the pods the template labels', () => {
    const labels = pod.metadata.labels as Record<string, string>;
    const selects = (selector: Record<string, string>) =>
      Object.entries(selector).every(([key, value]) => labels[key] === value);
    expect(selects(deployment.spec.selector.matchLabels)).toBe(true);
    expect(selects(manifest(kube('service.yaml'), 'Service').spec.selector)).toBe(true);
    const pdb = manifest(kube('pdb.yaml'), 'PodDisruptionBudget');
    expect(pdb.apiVersion).toBe('policy/v1');
    expect(selects(pdb.spec.selector.matchLabels)).toBe(true);
    expect(pdb.spec.maxUnavailable).toBeLessThan(hpa.spec.minReplicas);
  });

  it('runs as the image’s non-root user on a read-only root file system', () => {
    expect(readRepoFile('Dockerfile')).toMatch(/^USER node$/m); // uid 1000 in node:20-bookworm-slim
    expect(pod.spec.securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: 1000 });
    expect(container.securityContext).toEqual({
      allowPrivilegeEscalation: false,
      readOnlyRootFilesystem: true,
      capabilities: { drop: ['ALL'] },
    });
  });

  it('the Sentinel component names the master set the Bitnami values create', () => {
    const values = readYaml(kube('redis/sentinel/bitnami-values.yaml')).docs[0] as Doc;
    expect(redisPatch('sentinel').REDIS_SENTINEL_NAME).toBe(values.sentinel.masterSet);
    const sentinels = redisPatch('sentinel').REDIS_SENTINELS?.split(',') ?? [];
    expect(sentinels).toHaveLength(values.replica.replicaCount);
    for (const address of sentinels) expect(address).toMatch(/^redis-node-\d\.redis-headless:26379$/);
  });
});

describe('the probe paths on a running gateway', () => {
  let gateway: TestGateway;
  beforeAll(async () => {
    gateway = await startGateway();
  });
  afterAll(async () => {
    await gateway.close();
  });

  it.each([
    ['readinessProbe', () => container.readinessProbe.httpGet.path as string],
    ['livenessProbe', () => container.livenessProbe.httpGet.path as string],
    ['startupProbe', () => container.startupProbe.httpGet.path as string],
  ])('%s answers 200', async (_probe, path) => {
    const res = await fetch(`${gateway.url}${path()}`);
    expect(res.status).toBe(200);
    await res.body?.cancel();
  });
});
