import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';

/**
 * The image and the Kubernetes manifests, checked as far as this machine allows: no registry for base
 * images and no cluster, so the files are parsed and held to what the drain, the probes and the
 * autoscaler rely on.
 */
// Parsed YAML, read like the tests' JSON responses: the assertions are the type check.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Doc = Record<string, any>;
const manifests = async (): Promise<Doc[]> => {
  const dir = 'deploy/k8s';
  const docs: Doc[] = [];
  for (const file of (await readdir(dir)).filter((f) => f.endsWith('.yaml'))) {
    for (const doc of parseAllDocuments(await readFile(join(dir, file), 'utf8'))) {
      expect(doc.errors, file).toEqual([]);
      docs.push(doc.toJS() as Doc);
    }
  }
  return docs;
};
const byKind = (docs: Doc[], kind: string) => docs.find((d) => d.kind === kind)!;

describe('Dockerfile and Kubernetes manifests', () => {
  it('when the Dockerfile is read, then it builds the server and the web app in one stage and runs them on production dependencies as a non-root user in another', async () => {
    const text = await readFile('Dockerfile', 'utf8');
    const stages = text.split(/^FROM /m).slice(1);
    expect(stages.length).toBe(2);
    const [build, runtime] = [stages[0]!, stages[1]!];
    // npm run build builds the web app too, and the image serves it from web/dist.
    expect(build).toMatch(/^COPY web \.\/web$/m);
    expect(runtime).toMatch(/^COPY --from=build \/app\/web\/dist \.\/web\/dist$/m);
    expect(runtime).toMatch(/^RUN npm ci --omit=dev/m);
    expect(runtime).toMatch(/^COPY --from=build \/app\/dist/m);
    expect(runtime).toMatch(/^USER node$/m);
    expect(runtime).toMatch(/^HEALTHCHECK .*\n.*\/healthz/m);
    expect(runtime).toMatch(/^CMD \["node", "bin\/tmomi.js", "start"\]$/m);
    const ignored = (await readFile('.dockerignore', 'utf8')).split('\n');
    expect(ignored).toEqual(expect.arrayContaining(['node_modules', '.tmomi', '.git']));
  });

  it('when the manifests are parsed, then the probes, the drain time, the Service, the budget and the autoscaler fit together', async () => {
    const docs = await manifests();
    const deployment = byKind(docs, 'Deployment');
    const pod = deployment.spec.template;
    const container = pod.spec.containers[0];
    expect(container.readinessProbe.httpGet.path).toBe('/readyz');
    expect(container.livenessProbe.httpGet.path).toBe('/healthz');
    // preStop sleep + Tmomi's 30 s shutdown guard must fit in the grace period, or the drain is cut.
    const preStop = Number(container.lifecycle.preStop.exec.command[1]);
    expect(pod.spec.terminationGracePeriodSeconds).toBeGreaterThan(preStop + 30);
    expect(pod.spec.securityContext.runAsNonRoot).toBe(true);

    const labels = pod.metadata.labels;
    const service = byKind(docs, 'Service');
    expect(service.spec.selector).toEqual(labels);
    expect(service.spec.sessionAffinity).toBe('None');
    expect(container.ports.map((p: Doc) => p.name)).toContain(service.spec.ports[0].targetPort);
    // Metrics on a port of their own that the Service leaves out, reachable by other pods, hence
    // behind the token from the Secret (the node refuses to start without it on 0.0.0.0).
    const env = Object.fromEntries(container.env.map((e: Doc) => [e.name, e.value]));
    const metricsPort = container.ports.find((p: Doc) => p.name === 'metrics');
    expect(String(metricsPort.containerPort)).toBe(env.TMOMI_METRICS_PORT);
    expect(env.TMOMI_METRICS_HOST).toBe('0.0.0.0');
    expect(container.envFrom).toContainEqual({ secretRef: { name: 'tmomi' } });
    expect(service.spec.ports.map((p: Doc) => p.targetPort)).not.toContain('metrics');
    expect(byKind(docs, 'PodDisruptionBudget').spec.selector.matchLabels).toEqual(labels);

    const hpa = byKind(docs, 'HorizontalPodAutoscaler');
    expect(hpa.spec.scaleTargetRef).toMatchObject({ kind: 'Deployment', name: deployment.metadata.name });
    expect(hpa.spec.minReplicas).toBeGreaterThan(byKind(docs, 'PodDisruptionBudget').spec.maxUnavailable);
    const metrics = hpa.spec.metrics as Doc[];
    expect(metrics.find((m) => m.type === 'Resource')?.resource.name).toBe('cpu');
    // Every custom metric the autoscaler asks for is one the adapter rules publish.
    const adapter = byKind(docs, 'ConfigMap');
    const rules = parseAllDocuments(adapter.data['config.yaml'] as string)[0]!.toJS() as Doc;
    const published = (rules.rules as Doc[]).map((r) => r.name.as as string);
    const asked = metrics.filter((m) => m.type === 'Pods').map((m) => m.pods.metric.name as string);
    expect(asked.length).toBeGreaterThan(0);
    expect(asked.filter((name) => !published.includes(name))).toEqual([]);
  });
});
