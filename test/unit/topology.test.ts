// The dependency graph of a tenant's inventory, as the correlation engine reads it.
import { Topology, topologyOf, unknownAssetKey } from '../../lib/domain/correlation/topology';
import { Inventory, assetSchema } from '../../lib/domain/asset';

function asset(id: string, dependsOn: string[] = [], name = id) {
  return assetSchema.parse({ id, name, type: 'server', dependsOn });
}

// db <- app-01, app-02 <- lb <- endpoint; cache <- app-02; an isolated web host; a dangling dependency.
const inventory = new Inventory([
  asset('shop-endpoint', ['lb'], 'https://shop.acme.example'),
  asset('lb', ['app-01', 'app-02']),
  asset('app-01', ['db']),
  asset('app-02', ['db', 'cache']),
  asset('db'),
  asset('cache'),
  asset('web-01'),
  asset('reports', ['ghost-asset']),
  asset('batch', ['ghost-asset']),
]);
const topology = new Topology(inventory);

describe('componentOf', () => {
  test('is the smallest asset id of the connected component, ignoring edge direction', () => {
    for (const id of ['shop-endpoint', 'lb', 'app-01', 'app-02', 'db', 'cache'])
      expect([id, topology.componentOf(id)]).toEqual([id, 'app-01']);
  });

  test('siblings sharing only an upstream are one component', () => {
    const siblings = new Topology(new Inventory([asset('z-app', ['m-db']), asset('y-app', ['m-db']), asset('m-db')]));
    expect(siblings.componentOf('z-app')).toBe('m-db');
    expect(siblings.componentOf('y-app')).toBe('m-db');
  });

  test('an asset depending on two separate chains joins them', () => {
    const chains = new Topology(
      new Inventory([asset('b1'), asset('b2', ['b1']), asset('a9'), asset('c1', ['a9']), asset('x', ['b2', 'c1'])]),
    );
    for (const id of ['b1', 'b2', 'a9', 'c1', 'x']) expect(chains.componentOf(id)).toBe('a9');
  });

  test('does not depend on the order of the inventory', () => {
    const reversed = new Topology(new Inventory([...inventory.assets].reverse()));
    for (const item of inventory.assets) expect(reversed.componentOf(item.id)).toBe(topology.componentOf(item.id));
  });

  test('an isolated asset, or one the inventory does not know, is its own component', () => {
    expect(topology.componentOf('web-01')).toBe('web-01');
    expect(topology.componentOf('not-in-inventory')).toBe('not-in-inventory');
  });

  test('a dangling dependsOn neither joins components nor becomes one', () => {
    expect(topology.componentOf('reports')).toBe('reports');
    expect(topology.componentOf('batch')).toBe('batch');
  });
});

describe('upstreamOf', () => {
  test('lists every upstream asset with its shortest distance and the direct dependency on the way', () => {
    expect(Object.fromEntries(topology.upstreamOf('shop-endpoint'))).toEqual({
      lb: { distance: 1, via: 'lb' },
      'app-01': { distance: 2, via: 'lb' },
      'app-02': { distance: 2, via: 'lb' },
      db: { distance: 3, via: 'lb' },
      cache: { distance: 3, via: 'lb' },
    });
    expect(Object.fromEntries(topology.upstreamOf('app-02'))).toEqual({
      db: { distance: 1, via: 'db' },
      cache: { distance: 1, via: 'cache' },
    });
  });

  test('the shortest distance wins when an asset is reachable two ways', () => {
    const diamond = new Topology(new Inventory([asset('db'), asset('app', ['db']), asset('lb', ['app', 'db'])]));
    expect(diamond.upstreamOf('lb').get('db')).toEqual({ distance: 1, via: 'db' });
  });

  test('is empty for an asset with no dependency, a root, or an unknown asset', () => {
    expect(topology.upstreamOf('db').size).toBe(0);
    expect(topology.upstreamOf('web-01').size).toBe(0);
    expect(topology.upstreamOf('not-in-inventory').size).toBe(0);
  });

  test('never goes downstream', () => {
    expect(topology.upstreamOf('app-01').has('lb')).toBe(false);
    expect(topology.upstreamOf('app-01').has('app-02')).toBe(false);
  });

  test('stops on a cycle (the API rejects them, a stored inventory may still hold one)', () => {
    const cyclic = new Topology(new Inventory([asset('a', ['b']), asset('b', ['c']), asset('c', ['a'])]));
    expect(Object.fromEntries(cyclic.upstreamOf('a'))).toEqual({ b: { distance: 1, via: 'b' }, c: { distance: 2, via: 'b' } });
    expect(cyclic.componentOf('c')).toBe('a');
  });

  test('a dangling dependsOn does not stop the walk to the known assets', () => {
    const partly = new Topology(new Inventory([asset('db'), asset('app', ['ghost', 'db'])]));
    expect(partly.upstreamOf('app').get('db')).toEqual({ distance: 1, via: 'db' });
  });
});

describe('dependentsOf', () => {
  test('counts the assets depending on one, directly or not', () => {
    expect(topology.dependentsOf('db')).toBe(4); // app-01, app-02, lb, shop-endpoint
    expect(topology.dependentsOf('cache')).toBe(3); // app-02, lb, shop-endpoint
    expect(topology.dependentsOf('app-01')).toBe(2);
    expect(topology.dependentsOf('lb')).toBe(1);
    expect(topology.dependentsOf('shop-endpoint')).toBe(0);
    expect(topology.dependentsOf('web-01')).toBe(0);
  });

  test('a dangling dependency adds no dependent to the known assets', () => {
    expect(topology.dependentsOf('reports')).toBe(0);
    expect(topology.dependentsOf('batch')).toBe(0);
  });
});

describe('names and caching', () => {
  test('nameOf gives the inventory name, else the fallback', () => {
    expect(topology.nameOf('shop-endpoint', 'x')).toBe('https://shop.acme.example');
    expect(topology.nameOf('not-in-inventory', 'as-the-tool-says')).toBe('as-the-tool-says');
    expect(topology.nameOf(null, 'as-the-tool-says')).toBe('as-the-tool-says');
  });

  test('topologyOf builds one topology per inventory object', () => {
    expect(topologyOf(inventory)).toBe(topologyOf(inventory));
    expect(topologyOf(new Inventory([...inventory.assets]))).not.toBe(topologyOf(inventory));
  });

  test.each([
    ['web-01.acme.internal:9100', 'web-01'],
    ['WEB-01', 'web-01'],
    ['web-01', 'web-01'],
    ['10.0.1.5:9100', '10.0.1.5'],
    ['[fe80::1]:9100', 'fe80::1'],
  ])('unknownAssetKey(%p) is %p', (ref, key) => {
    expect(unknownAssetKey(ref)).toBe(key);
  });
});
