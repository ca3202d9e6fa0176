import '@xyflow/react/dist/style.css';
import '../../styles/topology.css';
import { Background, Controls, Handle, type Node, type NodeProps, Position, ReactFlow } from '@xyflow/react';
import { useMemo } from 'react';
import { useLocation } from 'wouter';
import { useNetworks, usePorts, useRouters, useServers, useSubnets } from '../../app/data.js';
import { useSession } from '../../app/session.js';
import { Page } from '../../components/Page.js';
import { Empty, ErrorBox, Spinner } from '../../components/States.js';
import { type TopoNode, topology } from '../../lib/topology.js';

const ICON: Record<TopoNode['kind'], string> = { external: '☁', network: '⇄', router: '⊕', instance: '▣' };

function ResourceNode({ data }: NodeProps<Node<TopoNode>>) {
  return (
    <div className={`topo-node topo-${data.kind}`} data-testid={`topology-${data.kind}`} title={data.detail}>
      <Handle type="target" position={Position.Top} />
      <span className="topo-icon" aria-hidden="true">
        {ICON[data.kind]}
      </span>
      <span className="topo-label">{data.label}</span>
      <span className="topo-detail">{data.detail}</span>
      <Handle type="source" position={Position.Bottom} />
    </div>
  );
}

const nodeTypes = { resource: ResourceNode };

/** Project → Network → Network Topology, redrawn as the lists poll (every 5 s). */
export default function Topology() {
  const session = useSession();
  const [, go] = useLocation();
  const networks = useNetworks();
  const subnets = useSubnets();
  const routers = useRouters();
  const ports = usePorts();
  const servers = useServers(false, true);
  const graph = useMemo(
    () =>
      topology({
        projectId: session.project.id,
        networks: networks.data ?? [],
        subnets: subnets.data ?? [],
        routers: routers.data ?? [],
        ports: ports.data ?? [],
        servers: servers.data ?? [],
      }),
    [session.project.id, networks.data, subnets.data, routers.data, ports.data, servers.data],
  );
  const nodes: Node<TopoNode>[] = graph.nodes.map((n) => ({
    id: n.id,
    type: 'resource',
    position: { x: n.x, y: n.y },
    data: n,
    ariaLabel: `${n.kind} ${n.label}`,
  }));
  const edges = graph.edges.map((e) => ({ ...e, labelBgPadding: [4, 2] as [number, number], className: 'topo-edge' }));
  const error = networks.error ?? routers.error ?? ports.error ?? servers.error;
  const loading = networks.isLoading || routers.isLoading || ports.isLoading || servers.isLoading;
  return (
    <Page title="Network Topology">
      <p className="muted">
        Networks, routers and instances of {session.project.name} and how they connect. Select a resource to open it.
      </p>
      {error ? <ErrorBox error={error} /> : null}
      {loading ? (
        <Spinner />
      ) : nodes.length === 0 ? (
        <Empty>Nothing to draw yet: create a network.</Empty>
      ) : (
        <section className="topology" aria-label="Network topology">
          <ReactFlow
            nodes={nodes}
            edges={edges}
            nodeTypes={nodeTypes}
            fitView
            nodesConnectable={false}
            nodesDraggable
            onNodeClick={(_e, n) => go(n.data.href)}
          >
            <Background />
            <Controls showInteractive={false} />
          </ReactFlow>
        </section>
      )}
    </Page>
  );
}
