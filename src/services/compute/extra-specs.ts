import { BadRequest } from '../../server/errors.js';

// Nova's validation of flavor extra specs from microversion 2.86: a key in a
// namespace Nova knows (hw, hw_rng, hw_video, os, quota, resources, trait,
// capabilities, accel, aggregate_instance_extra_specs, pci_passthrough,
// vmware) must be one Nova knows, with a value of its type; keys of other
// namespaces (a deployment's own, "foo:bar") and keys without one pass. The
// table lists Nova's (Zed) known specs: [name as documented, value type,
// value constraint, name pattern when the name has parameters]. Resource
// classes and traits stand for any upper-case name (os-resource-classes and
// os-traits publish the lists; custom ones are CUSTOM_*).

type ValueType = 'str' | 'int' | 'bool';
interface Constraint {
  enum?: string[];
  pattern?: string;
  min?: number;
  max?: number;
}
type Spec = [name: string, type: ValueType, constraint?: Constraint | string, pattern?: string];

const SPECS: Spec[] = [
  ['accel:device_profile', 'str'],
  ['aggregate_instance_extra_specs:{key}', 'str', 'aggregate_instance_extra_specs:(?<key>.+)'],
  ['capabilities:id', 'str'],
  ['capabilities:uuid', 'str'],
  ['capabilities:service_id', 'str'],
  ['capabilities:host', 'str'],
  ['capabilities:vcpus', 'str'],
  ['capabilities:memory_mb', 'str'],
  ['capabilities:local_gb', 'str'],
  ['capabilities:vcpus_used', 'str'],
  ['capabilities:memory_mb_used', 'str'],
  ['capabilities:local_gb_used', 'str'],
  ['capabilities:hypervisor_type', 'str'],
  ['capabilities:hypervisor_version', 'str'],
  ['capabilities:hypervisor_hostname', 'str'],
  ['capabilities:free_ram_mb', 'str'],
  ['capabilities:free_disk_gb', 'str'],
  ['capabilities:current_workload', 'str'],
  ['capabilities:running_vms', 'str'],
  ['capabilities:disk_available_least', 'str'],
  ['capabilities:host_ip', 'str'],
  ['capabilities:mapped', 'str'],
  ['capabilities:cpu_allocation_ratio', 'str'],
  ['capabilities:ram_allocation_ratio', 'str'],
  ['capabilities:disk_allocation_ratio', 'str'],
  ['capabilities:total_usable_ram_mb', 'str'],
  ['capabilities:total_usable_disk_gb', 'str'],
  ['capabilities:disk_mb_used', 'str'],
  ['capabilities:free_disk_mb', 'str'],
  ['capabilities:vcpus_total', 'str'],
  ['capabilities:num_instances', 'str'],
  ['capabilities:num_io_ops', 'str'],
  ['capabilities:failed_builds', 'str'],
  ['capabilities:aggregates', 'str'],
  ['capabilities:cell_uuid', 'str'],
  ['capabilities:updated', 'str'],
  ['capabilities:cpu_info{filter}', 'str', 'capabilities:cpu_info(?<filter>(:\\w+)*)'],
  ['capabilities:metrics{filter}', 'str', 'capabilities:metrics(?<filter>(:\\w+)*)'],
  ['capabilities:stats{filter}', 'str', 'capabilities:stats(?<filter>(:\\w+)*)'],
  ['capabilities:numa_topology{filter}', 'str', 'capabilities:numa_topology(?<filter>(:\\w+)*)'],
  ['capabilities:supported_hv_specs{filter}', 'str', 'capabilities:supported_hv_specs(?<filter>(:\\w+)*)'],
  ['capabilities:pci_device_pools{filter}', 'str', 'capabilities:pci_device_pools(?<filter>(:\\w+)*)'],
  ['capabilities:nodename{filter}', 'str', 'capabilities:nodename(?<filter>(:\\w+)*)'],
  ['capabilities:pci_stats{filter}', 'str', 'capabilities:pci_stats(?<filter>(:\\w+)*)'],
  ['capabilities:supported_instances{filter}', 'str', 'capabilities:supported_instances(?<filter>(:\\w+)*)'],
  ['capabilities:limits{filter}', 'str', 'capabilities:limits(?<filter>(:\\w+)*)'],
  ['capabilities:instances{filter}', 'str', 'capabilities:instances(?<filter>(:\\w+)*)'],
  ['hw:cpu_realtime', 'bool'],
  ['hw:cpu_realtime_mask', 'str', { pattern: '(\\^)?\\d+((-\\d+)?(,\\^?\\d+(-\\d+)?)?)*' }],
  ['hw:hide_hypervisor_id', 'bool'],
  ['hw:cpu_policy', 'str', { enum: ['dedicated', 'shared', 'mixed'] }],
  ['hw:cpu_thread_policy', 'str', { enum: ['prefer', 'isolate', 'require'] }],
  ['hw:emulator_threads_policy', 'str', { enum: ['isolate', 'share'] }],
  ['hw:cpu_dedicated_mask', 'str', { pattern: '\\^?\\d+((-\\d+)?(,\\^?\\d+(-\\d+)?)?)*' }],
  ['hw:mem_page_size', 'str', { pattern: '(large|small|any|\\d+([kKMGT]i?)?(b|bit|B)?)' }],
  ['hw:locked_memory', 'bool'],
  ['hw:numa_nodes', 'int', { min: 1 }],
  ['hw:numa_cpus.{num}', 'str', { pattern: '\\^?\\d+((-\\d+)?(,\\^?\\d+(-\\d+)?)?)*' }, 'hw:numa_cpus.(?<num>\\d+)'],
  ['hw:numa_mem.{num}', 'int', { min: 1 }, 'hw:numa_mem.(?<num>\\d+)'],
  ['hw:pci_numa_affinity_policy', 'str', { enum: ['required', 'preferred', 'legacy', 'socket'] }],
  ['hw:cpu_sockets', 'int', { min: 1 }],
  ['hw:cpu_cores', 'int', { min: 1 }],
  ['hw:cpu_threads', 'int', { min: 1 }],
  ['hw:max_cpu_sockets', 'int', { min: 1 }],
  ['hw:max_cpu_cores', 'int', { min: 1 }],
  ['hw:max_cpu_threads', 'int', { min: 1 }],
  ['hw:boot_menu', 'bool'],
  ['hw:vif_multiqueue_enabled', 'bool'],
  ['hw:mem_encryption', 'bool'],
  ['hw:pmem', 'str', { pattern: '([a-zA-Z0-9_]+(,)?)+' }],
  ['hw:pmu', 'bool'],
  ['hw:serial_port_count', 'int', { min: 0 }],
  ['hw:tpm_model', 'str', { enum: ['tpm-tis', 'tpm-crb'] }],
  ['hw:tpm_version', 'str', { enum: ['1.2', '2.0'] }],
  ['hw:watchdog_action', 'str', { enum: ['none', 'pause', 'poweroff', 'reset', 'disabled'] }],
  ['hw:viommu_model', 'str', { enum: ['intel', 'smmuv3', 'virtio', 'auto'] }],
  ['hw:ephemeral_encryption', 'bool'],
  ['hw:ephemeral_encryption_format', 'str', { enum: ['plain', 'luks', 'luksv2'] }],
  ['hw_rng:allowed', 'bool'],
  ['hw_rng:rate_bytes', 'int', { min: 0 }],
  ['hw_rng:rate_period', 'int', { min: 0 }],
  ['hw_video:ram_max_mb', 'int', { min: 0 }],
  ['hide_hypervisor_id', 'bool'],
  ['group_policy', 'str', { enum: ['isolate', 'none'] }],
  ['os:secure_boot', 'str', { enum: ['disabled', 'required'] }],
  ['os:resolution', 'str', { enum: ['1024x768', '1280x1024', '1600x1200', '1920x1200', '2560x1600', '3840x2160'] }],
  ['os:monitors', 'int', { min: 1, max: 8 }],
  ['os:vram', 'str', { enum: ['64', '128', '256', '512', '1024'] }],
  ['pci_passthrough:alias', 'str', { pattern: '[^:]+:\\d+(?:\\s*,\\s*[^:]+:\\d+)*' }],
  ['quota:cpu_limit', 'int', { min: 0 }],
  ['quota:cpu_reservation', 'int'],
  ['quota:cpu_shares_level', 'str', { enum: ['custom', 'high', 'normal', 'low'] }],
  ['quota:cpu_shares_share', 'int', { min: 0 }],
  ['quota:memory_limit', 'int', { min: 0 }],
  ['quota:memory_reservation', 'int'],
  ['quota:memory_shares_level', 'str', { enum: ['custom', 'high', 'normal', 'low'] }],
  ['quota:memory_shares_share', 'int', { min: 0 }],
  ['quota:disk_io_limit', 'int', { min: 0 }],
  ['quota:disk_io_reservation', 'int'],
  ['quota:disk_io_shares_level', 'str', { enum: ['custom', 'high', 'normal', 'low'] }],
  ['quota:disk_io_shares_share', 'int', { min: 0 }],
  ['quota:vif_limit', 'int', { min: 0 }],
  ['quota:vif_reservation', 'int'],
  ['quota:vif_shares_level', 'str', { enum: ['custom', 'high', 'normal', 'low'] }],
  ['quota:vif_shares_share', 'int', { min: 0 }],
  ['quota:cpu_shares', 'int', { min: 0 }],
  ['quota:cpu_period', 'int', { min: 0 }],
  ['quota:cpu_quota', 'int'],
  ['quota:disk_read_bytes_sec', 'int', { min: 0 }],
  ['quota:disk_read_iops_sec', 'int', { min: 0 }],
  ['quota:disk_write_bytes_sec', 'int', { min: 0 }],
  ['quota:disk_write_iops_sec', 'int', { min: 0 }],
  ['quota:disk_total_bytes_sec', 'int', { min: 0 }],
  ['quota:disk_total_iops_sec', 'int', { min: 0 }],
  ['quota:vif_inbound_average', 'int', { min: 0 }],
  ['quota:vif_inbound_peak', 'int', { min: 0 }],
  ['quota:vif_inbound_burst', 'int', { min: 0 }],
  ['quota:vif_outbound_average', 'int', { min: 0 }],
  ['quota:vif_outbound_peak', 'int', { min: 0 }],
  ['quota:vif_outbound_burst', 'int', { min: 0 }],
  ['resources{group}:{resource_class}', 'int', 'resources(?<group>([a-zA-Z0-9_-]{1,64})?):[A-Z][A-Z0-9_]*'],
  [
    'trait{group}:{trait}',
    'str',
    { enum: ['required', 'forbidden'] },
    'trait(?<group>([a-zA-Z0-9_-]{1,64})?):[A-Z][A-Z0-9_]*',
  ],
  ['vmware:hw_version', 'str'],
  ['vmware:storage_policy', 'str'],
];

interface Validator {
  name: string;
  type: ValueType;
  constraint: Constraint;
  re: RegExp;
}

const VALIDATORS: Validator[] = SPECS.map(([name, type, c, p]) => {
  const constraint = typeof c === 'object' ? c : {};
  const pattern = typeof c === 'string' ? c : (p ?? escapeRegExp(name));
  return { name, type, constraint, re: new RegExp(`^(?:${pattern})$`) };
});
const EXACT = new Map(VALIDATORS.map((v) => [v.name, v]));

/** The namespaces Nova validates: the part before ':' of every known spec's pattern. */
const NAMESPACES = [
  ...new Set(
    SPECS.map(([name, , c, p]) => (typeof c === 'string' ? c : (p ?? escapeRegExp(name))))
      .filter((pattern) => pattern.includes(':'))
      .map((pattern) => pattern.split(':')[0]),
  ),
].map((ns) => new RegExp(`^(?:${ns})$`));

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

const BOOLS = ['1', 't', 'true', 'on', 'y', 'yes', '0', 'f', 'false', 'off', 'n', 'no'];

function fail(message: string): never {
  throw new BadRequest(`Validation failed; ${message}`);
}

function checkValue(v: Validator, value: string): void {
  const c = v.constraint;
  if (v.type === 'int') {
    const s = value.trim().replace(/_/g, '');
    if (!/^[-+]?\d+$/.test(s)) fail(`'${value}' is not a valid integer value.`);
    const n = Number(s);
    if (c.max !== undefined && c.max < n) fail(`'${value}' is greater than the max value of '${c.max}'.`);
    if (c.min !== undefined && c.min > n) fail(`'${value}' is less than the min value of '${c.min}'.`);
  } else if (v.type === 'bool') {
    if (!BOOLS.includes(value.trim().toLowerCase())) fail(`'${value}' is not a valid boolean-like value.`);
  } else if (c.pattern !== undefined) {
    if (!new RegExp(`^(?:${c.pattern})$`).test(value)) fail(`'${value}' is not of the format '${c.pattern}'.`);
  } else if (c.enum && !c.enum.includes(value)) {
    fail(`'${value}' is not one of: ${c.enum.join(', ')}.`);
  }
}

/** Nova's extra spec validation (2.86+): a 400 "Validation failed; ..." for a bad known spec. */
export function validateExtraSpec(name: string, value: string): void {
  const v = EXACT.get(name) ?? VALIDATORS.find((x) => x.re.test(name));
  if (v) {
    checkValue(v, value);
    return;
  }
  if (!name.includes(':')) return;
  const ns = name.split(':', 1)[0];
  if (NAMESPACES.some((re) => re.test(ns))) fail(`extra spec '${name}' does not appear to be a valid extra spec.`);
}
