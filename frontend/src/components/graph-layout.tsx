/**
 * Layered layout of a dependency graph (no graph library): layers by longest path from the entry
 * points (assets nothing depends on) down to what they need, then a few barycenter sweeps to order
 * each layer so that edges cross as little as a simple heuristic allows.
 */

export interface GraphNodeInput {
  id: string;
  /** Ids of the nodes this one needs (drawn below it). */
  dependsOn: string[];
  /** Tie-break for the initial order. */
  label: string;
}

export interface PlacedNode {
  id: string;
  layer: number;
  order: number;
  x: number;
  y: number;
}

export interface PlacedEdge {
  from: string;
  to: string;
  /** From the source's bottom, through the layers it skips, to the target's top. */
  points?: { x: number; y: number }[];
}

export interface GraphLayout {
  nodes: Map<string, PlacedNode>;
  edges: PlacedEdge[];
  width: number;
  height: number;
  layers: string[][];
}

export interface LayoutSizes {
  nodeWidth: number;
  nodeHeight: number;
  gapX: number;
  gapY: number;
  padding: number;
}

export const DEFAULT_SIZES: LayoutSizes = { nodeWidth: 176, nodeHeight: 62, gapX: 28, gapY: 72, padding: 16 };

/** Layer of each node: 0 for entry points, else one below the lowest of the nodes that need it (cycles are cut). */
function assignLayers(nodes: GraphNodeInput[], known: Set<string>): Map<string, number> {
  const dependents = new Map<string, string[]>();
  for (const node of nodes) dependents.set(node.id, []);
  for (const node of nodes) for (const dep of node.dependsOn) if (known.has(dep) && dep !== node.id) dependents.get(dep)?.push(node.id);

  const layer = new Map<string, number>();
  const visiting = new Set<string>();
  const depth = (id: string): number => {
    const done = layer.get(id);
    if (done !== undefined) return done;
    if (visiting.has(id)) return 0; // a cycle (the API refuses them; drawn anyway)
    visiting.add(id);
    const parents = dependents.get(id) ?? [];
    const value = parents.length === 0 ? 0 : Math.max(...parents.map((parent) => depth(parent) + 1));
    visiting.delete(id);
    layer.set(id, value);
    return value;
  };
  for (const node of nodes) depth(node.id);
  return layer;
}

function average(values: number[]): number | undefined {
  return values.length ? values.reduce((sum, value) => sum + value, 0) / values.length : undefined;
}

/** Orders each layer by the mean position of its neighbours in the layers already ordered (down, then up). */
function orderLayers(layers: string[][], neighbours: Map<string, { up: string[]; down: string[] }>, sweeps = 4): string[][] {
  const result = layers.map((layer) => [...layer]);
  const position = new Map<string, number>();
  const record = () => result.forEach((layer) => layer.forEach((id, index) => position.set(id, (index + 0.5) / layer.length)));
  record();
  const reorder = (index: number, direction: 'up' | 'down') => {
    const layer = result[index];
    if (!layer) return;
    const keyed = layer.map((id, current) => {
      const around = neighbours.get(id)?.[direction] ?? [];
      const center = average(around.map((other) => position.get(other)).filter((value): value is number => value !== undefined));
      return { id, key: center ?? (current + 0.5) / layer.length, current };
    });
    keyed.sort((a, b) => a.key - b.key || a.current - b.current);
    result[index] = keyed.map((entry) => entry.id);
    result[index].forEach((id, at) => position.set(id, (at + 0.5) / layer.length));
  };
  for (let sweep = 0; sweep < sweeps; sweep += 1) {
    for (let index = 1; index < result.length; index += 1) reorder(index, 'up');
    for (let index = result.length - 2; index >= 0; index -= 1) reorder(index, 'down');
  }
  return result;
}

const DUMMY_WIDTH = 16;

function isDummy(id: string): boolean {
  return id.startsWith('\u0000');
}

/**
 * Places the nodes: an edge that skips layers goes through a thin virtual slot in each layer it crosses, so
 * it is ordered like a node (fewer crossings) and drawn between the nodes instead of through them.
 */
export function layoutGraph(input: GraphNodeInput[], sizes: LayoutSizes = DEFAULT_SIZES): GraphLayout {
  const known = new Set(input.map((node) => node.id));
  const layerOf = assignLayers(input, known);
  const realEdges = input.flatMap((node) =>
    node.dependsOn.filter((dep) => known.has(dep) && dep !== node.id).map((dep) => ({ from: node.id, to: dep })),
  );
  const neighbours = new Map<string, { up: string[]; down: string[] }>();
  const link = (upper: string, lower: string) => {
    if (!neighbours.has(upper)) neighbours.set(upper, { up: [], down: [] });
    if (!neighbours.has(lower)) neighbours.set(lower, { up: [], down: [] });
    neighbours.get(upper)?.down.push(lower);
    neighbours.get(lower)?.up.push(upper);
  };
  for (const node of input) neighbours.set(node.id, { up: [], down: [] });
  const chains = new Map<PlacedEdge, string[]>();
  const dummyLayer = new Map<string, number>();
  for (const edge of realEdges) {
    const top = layerOf.get(edge.from) ?? 0;
    const bottom = layerOf.get(edge.to) ?? 0;
    const via: string[] = [];
    for (let layer = top + 1; layer < bottom; layer += 1) {
      const id = `\u0000${edge.from}>${edge.to}@${layer}`;
      via.push(id);
      dummyLayer.set(id, layer);
    }
    const path = [edge.from, ...via, edge.to];
    for (let index = 0; index + 1 < path.length; index += 1) link(path[index] as string, path[index + 1] as string);
    chains.set(edge, via);
  }
  const connected = (id: string) => {
    const around = neighbours.get(id);
    return Boolean(around && (around.up.length || around.down.length));
  };

  const layerCount = input.length ? Math.max(...input.map((node) => layerOf.get(node.id) ?? 0)) + 1 : 0;
  const layers: string[][] = Array.from({ length: layerCount }, () => []);
  // Connected nodes first (alphabetically), then the assets with no links at all at the end of their row.
  const sorted = [...input].sort(
    (a, b) => Number(connected(b.id)) - Number(connected(a.id)) || a.label.localeCompare(b.label, undefined, { numeric: true }),
  );
  for (const node of sorted) layers[layerOf.get(node.id) ?? 0]?.push(node.id);
  for (const [id, layer] of dummyLayer) layers[layer]?.push(id);
  const ordered = orderLayers(layers, neighbours).map((layer) => [
    ...layer.filter((id) => connected(id)),
    ...layer.filter((id) => !connected(id)),
  ]);

  const widthOf = (id: string) => (isDummy(id) ? DUMMY_WIDTH : sizes.nodeWidth);
  const rowWidth = (layer: string[]) => layer.reduce((sum, id) => sum + widthOf(id), 0) + Math.max(0, layer.length - 1) * sizes.gapX;
  const widest = Math.max(sizes.nodeWidth, ...ordered.map(rowWidth));
  const width = sizes.padding * 2 + widest;
  const height = sizes.padding * 2 + layerCount * sizes.nodeHeight + Math.max(0, layerCount - 1) * sizes.gapY;
  const nodes = new Map<string, PlacedNode>();
  const slots = new Map<string, PlacedNode>();
  ordered.forEach((layer, layerIndex) => {
    let x = (width - rowWidth(layer)) / 2;
    layer.forEach((id, order) => {
      const placed = { id, layer: layerIndex, order, x, y: sizes.padding + layerIndex * (sizes.nodeHeight + sizes.gapY) };
      slots.set(id, placed);
      if (!isDummy(id)) nodes.set(id, placed);
      x += widthOf(id) + sizes.gapX;
    });
  });

  const edges: PlacedEdge[] = realEdges.map((edge) => {
    const from = slots.get(edge.from);
    const to = slots.get(edge.to);
    const points: { x: number; y: number }[] = [];
    if (from) points.push({ x: from.x + sizes.nodeWidth / 2, y: from.y + sizes.nodeHeight });
    for (const id of chains.get(edge) ?? []) {
      const slot = slots.get(id);
      if (!slot) continue;
      points.push({ x: slot.x + DUMMY_WIDTH / 2, y: slot.y }, { x: slot.x + DUMMY_WIDTH / 2, y: slot.y + sizes.nodeHeight });
    }
    if (to) points.push({ x: to.x + sizes.nodeWidth / 2, y: to.y });
    return { ...edge, points };
  });
  return { nodes, edges, width, height, layers: ordered.map((layer) => layer.filter((id) => !isDummy(id))) };
}

/** An SVG path through an edge's points: curves between layers, straight through the layers it skips. */
export function edgePath(points: { x: number; y: number }[], endGap = 2): string {
  const [first, ...rest] = points;
  if (!first) return '';
  let d = `M${first.x},${first.y}`;
  let previous = first;
  rest.forEach((point, index) => {
    const last = index === rest.length - 1;
    const target = last ? { x: point.x, y: point.y - endGap } : point;
    if (index % 2 === 0) {
      const bend = Math.max(20, (target.y - previous.y) / 2);
      d += ` C${previous.x},${previous.y + bend} ${target.x},${target.y - bend} ${target.x},${target.y}`;
    } else {
      d += ` L${target.x},${target.y}`;
    }
    previous = point;
  });
  return d;
}
