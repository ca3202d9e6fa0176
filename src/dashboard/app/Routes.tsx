import { lazy, Suspense } from 'react';
import { Redirect, Route, Switch } from 'wouter';
import { isAdmin } from '../api/session.js';
import { Spinner } from '../components/States.js';
import { Flavors } from '../pages/admin/Flavors.js';
import { Hypervisors } from '../pages/admin/Hypervisors.js';
import { Images } from '../pages/compute/Images.js';
import { InstanceDetail } from '../pages/compute/InstanceDetail.js';
import { Instances } from '../pages/compute/Instances.js';
import { KeyPairs } from '../pages/compute/KeyPairs.js';
import { Projects } from '../pages/identity/Projects.js';
import { Users } from '../pages/identity/Users.js';
import { NotFound } from '../pages/NotFound.js';
import { FloatingIps } from '../pages/network/FloatingIps.js';
import { NetworkDetail } from '../pages/network/NetworkDetail.js';
import { Networks } from '../pages/network/Networks.js';
import { RouterDetail } from '../pages/network/RouterDetail.js';
import { Routers } from '../pages/network/Routers.js';
import { SecurityGroupDetail } from '../pages/network/SecurityGroupDetail.js';
import { SecurityGroups } from '../pages/network/SecurityGroups.js';
import { Overview } from '../pages/Overview.js';
import { StackDetail } from '../pages/orchestration/StackDetail.js';
import { Stacks } from '../pages/orchestration/Stacks.js';
import { Backups } from '../pages/volumes/Backups.js';
import { Snapshots } from '../pages/volumes/Snapshots.js';
import { Volumes } from '../pages/volumes/Volumes.js';
import { Layout } from './Layout.js';
import { useSession } from './session.js';

// the topology pulls in @xyflow/react: its own chunk, loaded when opened
const Topology = lazy(() => import('../pages/network/Topology.js'));

export function Routes() {
  const admin = isAdmin(useSession());
  return (
    <Layout>
      <Suspense fallback={<Spinner />}>
        <Switch>
          <Route path="/">
            <Redirect to="/project" replace />
          </Route>
          <Route path="/auth/login">
            <Redirect to="/project" replace />
          </Route>
          <Route path="/project" component={Overview} />
          <Route path="/project/instances">
            <Instances />
          </Route>
          <Route path="/project/instances/:id">{(p) => <InstanceDetail id={p.id} />}</Route>
          <Route path="/project/images">
            <Images />
          </Route>
          <Route path="/project/key_pairs" component={KeyPairs} />
          <Route path="/project/volumes">
            <Volumes />
          </Route>
          <Route path="/project/snapshots">
            <Snapshots />
          </Route>
          <Route path="/project/backups" component={Backups} />
          <Route path="/project/network_topology" component={Topology} />
          <Route path="/project/networks">
            <Networks />
          </Route>
          <Route path="/project/networks/:id">{(p) => <NetworkDetail id={p.id} />}</Route>
          <Route path="/project/routers">
            <Routers />
          </Route>
          <Route path="/project/routers/:id">{(p) => <RouterDetail id={p.id} />}</Route>
          <Route path="/project/security_groups" component={SecurityGroups} />
          <Route path="/project/security_groups/:id">{(p) => <SecurityGroupDetail id={p.id} />}</Route>
          <Route path="/project/floating_ips">
            <FloatingIps />
          </Route>
          <Route path="/project/stacks">
            <Stacks />
          </Route>
          <Route path="/project/stacks/:id">{(p) => <StackDetail id={p.id} />}</Route>
          {admin ? (
            <>
              <Route path="/admin">
                <Redirect to="/admin/instances" replace />
              </Route>
              <Route path="/admin/hypervisors" component={Hypervisors} />
              <Route path="/admin/flavors" component={Flavors} />
              <Route path="/admin/images">
                <Images admin />
              </Route>
              <Route path="/admin/instances">
                <Instances admin />
              </Route>
              <Route path="/admin/instances/:id">{(p) => <InstanceDetail id={p.id} admin />}</Route>
              <Route path="/admin/volumes">
                <Volumes admin />
              </Route>
              <Route path="/admin/snapshots">
                <Snapshots admin />
              </Route>
              <Route path="/admin/networks">
                <Networks admin />
              </Route>
              <Route path="/admin/networks/:id">{(p) => <NetworkDetail id={p.id} admin />}</Route>
              <Route path="/admin/routers">
                <Routers admin />
              </Route>
              <Route path="/admin/routers/:id">{(p) => <RouterDetail id={p.id} admin />}</Route>
              <Route path="/admin/floating_ips">
                <FloatingIps admin />
              </Route>
              <Route path="/admin/stacks">
                <Stacks admin />
              </Route>
            </>
          ) : null}
          <Route path="/identity">
            <Redirect to="/identity/projects" replace />
          </Route>
          <Route path="/identity/projects" component={Projects} />
          <Route path="/identity/users" component={Users} />
          <Route component={NotFound} />
        </Switch>
      </Suspense>
    </Layout>
  );
}
