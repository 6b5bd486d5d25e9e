export interface BalancerLayout {
  /** Where clients connect, e.g. `127.0.0.1:8080`. */
  listen: string;
  /** Where HAProxy's own metrics and stats page answer. */
  stats: string;
  nodes: { name: string; address: string }[];
}

const SECTION = /^(global|defaults|frontend|backend|listen|peers|resolvers|userlist)\b\s*(\S*)/;

/**
 * deploy/haproxy.cfg with this cluster's addresses. The template stays a working config of its own,
 * so rather than placeholders it is edited by section: the `bind` of `frontend tmomi` and
 * `frontend stats`, and in each backend the `server` lines are replaced by one line per node, keeping
 * the options of the template's first server line (with `track` pointed at the same node's name).
 */
export function renderHaproxyConfig(template: string, layout: BalancerLayout): string {
  const out: string[] = [];
  let section = '';
  let serversWritten = false;
  for (const line of template.split('\n')) {
    const header = SECTION.exec(line);
    if (header) {
      section = `${header[1]} ${header[2]}`.trim();
      serversWritten = false;
      out.push(line);
      continue;
    }
    const indent = /^\s*/.exec(line)![0];
    const words = line.trim().split(/\s+/);
    if (words[0] === 'bind' && section === 'frontend tmomi') {
      out.push(`${indent}bind ${layout.listen}`);
    } else if (words[0] === 'bind' && section === 'frontend stats') {
      out.push(`${indent}bind ${layout.stats}`);
    } else if (words[0] === 'server' && section.startsWith('backend ')) {
      if (serversWritten) continue;
      serversWritten = true;
      const options = words.slice(3);
      for (const node of layout.nodes) {
        const rest = options.map((word, i) =>
          options[i - 1] === 'track' ? word.replace(/\/.*$/, `/${node.name}`) : word,
        );
        out.push([`${indent}server`, node.name, node.address, ...rest].join(' '));
      }
    } else {
      out.push(line);
    }
  }
  return out.join('\n');
}
