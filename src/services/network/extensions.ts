// The extensions this Neutron serves: exactly what is implemented (clients and
// Tempest decide what to call from this list). Names, descriptions and dates
// are Neutron's own, as clients may show them.

export interface Extension {
  alias: string;
  name: string;
  description: string;
  updated: string;
  links: never[];
}

function ext(alias: string, name: string, description: string, updated: string): Extension {
  return { name, alias, description, updated, links: [] };
}

export const EXTENSIONS: Extension[] = [
  ext(
    'external-net',
    'Neutron external network',
    'Adds external network attribute to network resource.',
    '2013-01-14T10:00:00-00:00',
  ),
  ext('security-group', 'security-group', 'The security groups extension.', '2012-10-05T10:00:00-00:00'),
  ext('segment', 'Segment', 'Segments extension.', '2016-02-24T17:00:00-00:00'),
  ext(
    'auto-allocated-topology',
    'Auto Allocated Topology Services',
    'Auto Allocated Topology Services.',
    '2016-01-01T00:00:00-00:00',
  ),
  ext(
    'standard-attr-description',
    'standard-attr-description',
    'Extension to add descriptions to standard attributes',
    '2016-02-10T10:00:00-00:00',
  ),
  ext(
    'standard-attr-timestamp',
    'Resource timestamps',
    'Adds created_at and updated_at fields to all Neutron resources that have Neutron standard attributes.',
    '2016-09-12T10:00:00-00:00',
  ),
  ext(
    'standard-attr-revisions',
    'Resource revision numbers',
    'This extension will display the revision number of neutron resources.',
    '2016-04-11T10:00:00-00:00',
  ),
  ext(
    'revision-if-match',
    'If-Match constraints based on revision_number',
    'Extension indicating that If-Match based on revision_number is supported.',
    '2016-12-11T00:00:00-00:00',
  ),
  ext(
    'standard-attr-tag',
    'Tag support for resources with standard attribute: port, subnet, subnetpool, network, security_group, router, floatingip, policy, trunk, network_segment_range',
    'Enables to set tag on resources with standard attribute.',
    '2017-01-01T00:00:00-00:00',
  ),
  ext(
    'binding',
    'Port Binding',
    'Expose port bindings of a virtual port to external application',
    '2014-02-03T10:00:00-00:00',
  ),
  ext('port-security', 'Port Security', 'Provides port security', '2012-07-23T10:00:00-00:00'),
  ext('allowed-address-pairs', 'Allowed Address Pairs', 'Provides allowed address pairs', '2013-07-23T10:00:00-00:00'),
  ext('net-mtu', 'Network MTU', 'Provides MTU attribute for a network resource.', '2015-03-25T10:00:00-00:00'),
  ext(
    'net-mtu-writable',
    'Network MTU (writable)',
    'Provides a writable MTU attribute for a network resource.',
    '2017-07-12T00:00:00-00:00',
  ),
  ext(
    'project-id',
    'project_id field enabled',
    'Extension that indicates that project_id field is enabled.',
    '2016-09-09T09:09:09-09:09',
  ),
  ext(
    'pagination',
    'Pagination support',
    'Extension that indicates that pagination is enabled.',
    '2016-06-12T00:00:00-00:00',
  ),
  ext('sorting', 'Sorting support', 'Extension that indicates that sorting is enabled.', '2016-06-12T00:00:00-00:00'),
  ext(
    'filter-validation',
    'Filter parameters validation',
    'Provides validation on filter parameters.',
    '2018-07-04T10:00:00-00:00',
  ),
  ext(
    'quotas',
    'Quota management support',
    'Expose functions for quotas management per project',
    '2012-07-29T10:00:00-00:00',
  ),
  ext(
    'quota_details',
    'Quota details management support',
    'Expose functions for quotas usage statistics per project',
    '2017-02-10T10:00:00-00:00',
  ),
  ext('dns-integration', 'DNS Integration', 'Provides integration with DNS.', '2015-08-15T18:00:00-00:00'),
  ext(
    'extra_dhcp_opt',
    'Neutron Extra DHCP options',
    'Extra options configuration for DHCP. For example PXE boot options to DHCP clients can be specified (e.g. tftp-server, server-ip-address, bootfile-name)',
    '2013-03-17T12:00:00-00:00',
  ),
  ext(
    'router',
    'Neutron L3 Router',
    'Router abstraction for basic L3 forwarding between L2 Neutron networks and access to external networks via a NAT gateway.',
    '2012-07-20T10:00:00-00:00',
  ),
  ext(
    'ext-gw-mode',
    'Neutron L3 Configurable external gateway mode',
    'Extension of the router abstraction for specifying whether SNAT should occur on the external gateway',
    '2013-03-28T10:00:00-00:00',
  ),
  ext('extraroute', 'Neutron Extra Route', 'Extra routes configuration for L3 router', '2013-02-01T10:00:00-00:00'),
  ext(
    'extraroute-atomic',
    'Atomically add/remove extra routes',
    'Edit extra routes of a router on server side by atomically adding/removing extra routes',
    '2019-07-10T00:00:00+00:00',
  ),
  ext(
    'l3-port-ip-change-not-allowed',
    'Prevent L3 router ports IP address change extension',
    'Prevent change of IP address for some L3 router ports',
    '2018-10-09T10:00:00-00:00',
  ),
  ext(
    'fip-port-details',
    'Floating IP Port Details Extension',
    'Add port_details attribute to Floating IP resource',
    '2018-04-09T10:00:00-00:00',
  ),
  ext(
    'empty-string-filtering',
    'Empty String Filtering Extension',
    'Allow filtering by attributes with empty string value',
    '2018-05-01T10:00:00-00:00',
  ),
  ext(
    'ip-substring-filtering',
    'IP address substring filtering',
    'Provides IP address substring filtering when listing ports',
    '2017-11-28T09:00:00-00:00',
  ),
  ext(
    'port-security-groups-filtering',
    'Port filtering on security groups',
    'Provides security groups filtering when listing ports',
    '2018-01-09T09:00:00-00:00',
  ),
  ext(
    'security-groups-normalized-cidr',
    'Normalized CIDR field for security group rules',
    'Add new field with normalized remote_ip_prefix cidr in SG rule',
    '2020-07-28T10:00:00-00:00',
  ),
  ext(
    'stateful-security-group',
    'Stateful security group',
    'Indicates if the security group is stateful or not',
    '2019-11-26T09:00:00-00:00',
  ),
  ext(
    'provider',
    'Provider Network',
    'Expose mapping of virtual networks to physical networks',
    '2012-09-07T10:00:00-00:00',
  ),
  ext('availability_zone', 'Availability Zone', 'The availability zone extension.', '2015-01-01T10:00:00-00:00'),
  ext(
    'network_availability_zone',
    'Network Availability Zone',
    'Availability zone support for network.',
    '2015-01-01T10:00:00-00:00',
  ),
  ext(
    'router_availability_zone',
    'Router Availability Zone',
    'Availability zone support for router.',
    '2015-01-01T10:00:00-00:00',
  ),
  ext(
    'network-ip-availability',
    'Network IP Availability',
    'Provides IP availability data for each network and subnet.',
    '2015-09-24T00:00:00-00:00',
  ),
  ext('agent', 'agent', 'The agent management extension.', '2013-02-03T10:00:00-00:00'),
  ext(
    'dhcp_agent_scheduler',
    'DHCP Agent Scheduler',
    'Schedule networks among dhcp agents',
    '2013-02-07T10:00:00-00:00',
  ),
  ext('l3_agent_scheduler', 'L3 Agent Scheduler', 'Schedule routers among l3 agents', '2013-02-07T10:00:00-00:00'),
  ext(
    'service-type',
    'Neutron Service Type Management',
    'API for retrieving service providers for Neutron advanced services',
    '2013-01-20T00:00:00-00:00',
  ),
  ext(
    'subnet_allocation',
    'Subnet Allocation',
    'Enables allocation of subnets from a subnet pool',
    '2015-03-30T10:00:00-00:00',
  ),
  ext(
    'default-subnetpools',
    'Default Subnetpools',
    'Provides ability to mark and use a subnetpool as the default.',
    '2016-02-18T18:00:00-00:00',
  ),
  ext(
    'dvr',
    'Distributed Virtual Router',
    'Enables configuration of Distributed Virtual Routers.',
    '2014-06-1T10:00:00-00:00',
  ),
  ext('metering', 'Neutron Metering', 'Neutron Metering extension.', '2013-06-12T10:00:00-00:00'),
];
