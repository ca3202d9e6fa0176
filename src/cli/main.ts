import { Command, Option } from 'commander';
import { defaultDataDir } from '../config.js';
import { VERSION } from '../version.js';
import { demoTwoTier } from './demo/two-tier.js';
import { CliError } from './errors.js';
import { faultAdd, faultClear, faultList } from './fault.js';
import { buildDebianCommand, buildTinyCommand } from './images.js';
import { cloudsYaml, openrc } from './openrc.js';
import { portPlug, portUnplug } from './port.js';
import { reset } from './reset.js';
import { snapshotLoad, snapshotSave, snapshotShow } from './snapshot.js';
import { start } from './start.js';
import { status } from './status.js';
import { stop } from './stop.js';
import { waitReady } from './wait.js';

const program = new Command();
program
  .name('pocketstack')
  .description('OpenStack in one process: Keystone, Nova, Glance, Neutron, Cinder and Heat on one port')
  .version(VERSION);

const dataDirOption = ['--data-dir <dir>', 'where state lives', defaultDataDir()] as const;

program
  .command('start')
  .description('run the cloud in the foreground')
  .option('--host <host>', 'address to listen on', '127.0.0.1')
  .addOption(
    new Option('--port <port>', 'port to listen on (0 picks a free one)').env('POCKETSTACK_PORT').default('5000'),
  )
  .option(...dataDirOption)
  .addOption(
    new Option(
      '--database <url>',
      'postgres://user:pass@host/db: keep the state in PostgreSQL (created if missing), so that several processes sharing the data dir serve one cloud; default: SQLite in the data dir',
    ).env('POCKETSTACK_DATABASE'),
  )
  .option(
    '--admin-password <password>',
    'password of admin, demo and alt_demo (env POCKETSTACK_PASSWORD); given on a later start, it replaces theirs',
  )
  .option('--log-level <level>', 'log level of <data-dir>/pocketstack.log', 'info')
  .option('--token-ttl <seconds>', 'token lifetime', '3600')
  .option(
    '--network-driver <driver>',
    'auto (linux when root with ip, nft and dnsmasq; else fake), fake (API only) or linux (real namespaces and packets)',
    'auto',
  )
  .option(
    '--compute-driver <driver>',
    'auto (qemu when root on Linux with qemu-system-x86_64 and the linux network driver; else fake), fake (records only) or qemu (real guests)',
    'auto',
  )
  .option(
    '--floating-range <cidr>',
    "the public network's IPv4 range at first start (DevStack's FLOATING_RANGE; default 172.24.4.0/24)",
  )
  .option(
    '--default-image <kind>',
    'tiny: the default image becomes the tiny image, built in the background when the host can; blank: a blank placeholder',
    'tiny',
  )
  .option(
    '--no-host-setup',
    'never install the Debian packages the real drivers need (then the fakes run where they are missing)',
  )
  .option(
    '--init <dir>',
    'once the cloud answers, run the hooks in DIR in name order: *.sh with the admin openrc in their environment, HOT templates (*.yaml) as stacks, YAML resource lists; each once per data dir; a failing hook stops the start',
  )
  .option(
    '--from-snapshot <file>',
    'first load a snapshot (pocketstack snapshot save) as the data dir (empty, or --force)',
  )
  .option('--force', 'with --from-snapshot: replace the cloud the data dir holds')
  .option(
    '--faults',
    'allow fault injection (pocketstack fault, /pocketstack/v1/faults; env POCKETSTACK_FAULTS=1): for testing clients, never for real use',
  )
  .option(
    '--no-credential-cache',
    'verify every password login with the full hash (by default a verified password is remembered for 5 minutes, as a keyed hash in memory, so repeated logins skip it)',
  )
  .option('--cors-origin <origins>', "origins browsers may call from, comma-separated ('*' for any); default none")
  .option('--detach', 'run in the background (console in <data-dir>/console.log); return once it answers')
  .option('--log-requests', 'also print one line per request on the console (the log file always has them)')
  .action(start);

program
  .command('stop')
  .description('stop the pocketstack running on the data dir (SIGTERM, then SIGKILL after --timeout)')
  .option(...dataDirOption)
  .option('--timeout <seconds>', 'how long it gets to stop cleanly', '30')
  .action(stop);

program
  .command('wait')
  .description('wait until the pocketstack of the data dir is ready (exit 1 on timeout or when it died)')
  .option(...dataDirOption)
  .option('--timeout <seconds>', 'how long to wait', '60')
  .option('--for <what>', 'api: the API answers; all: also the host setup and the default image are done', 'api')
  .action(waitReady);

program
  .command('openrc')
  .description("print the OS_* exports of DevStack's `source openrc USER PROJECT`")
  .argument('[user]', 'user name (DevStack default: demo)')
  .argument('[project]', 'project name (DevStack default: demo)')
  .option(...dataDirOption)
  .action(openrc);

program
  .command('clouds-yaml')
  .description('print a clouds.yaml with pocketstack-admin and pocketstack-demo')
  .option(...dataDirOption)
  .action(cloudsYaml);

program
  .command('status')
  .description('what is running, where, how much state (exit 0 running, 1 not answering, 3 stopped)')
  .option(...dataDirOption)
  .action(async (opts) => {
    process.exitCode = await status(opts);
  });

program
  .command('reset')
  .description('delete all state in the data dir, and what the cloud made on the host (namespaces, host veth)')
  .option(...dataDirOption)
  .option('-y, --yes', 'do not ask')
  .action(reset);

const port = program
  .command('port')
  .description('plug a network namespace of yours into a Neutron port (linux driver)');
port
  .command('plug')
  .description("a veth with the port's MAC into namespace NAME (made if missing), address by DHCP as a guest gets it")
  .argument('<port>', 'port id or unique name')
  .requiredOption('--netns <name>', 'the network namespace standing for the guest')
  .option('--ifname <name>', 'the device name inside it', 'eth0')
  .option(...dataDirOption)
  .action(portPlug);
port
  .command('unplug')
  .description('remove what `port plug` made for the port')
  .argument('<port>', 'port id or unique name')
  .option(...dataDirOption)
  .action(portUnplug);

const fault = program
  .command('fault')
  .description('make the next matching API requests or driver steps fail, hang or slow down (start --faults)');
fault
  .command('add')
  .description(
    'add a rule: a request (--service, --method, --path) or a driver step (--step); fails with a 500 unless told',
  )
  .option('--service <name>', 'identity, compute, image, network, volume, orchestration or placement')
  .option('--method <method>', 'GET, POST, PUT, PATCH, DELETE, ...')
  .option('--path <glob>', "the request path, '*' for any characters (e.g. '/v2/images*' or '*/servers')")
  .option('--step <step>', 'a driver step instead: compute.schedule (NoValidHost), compute.spawn, volume.create, ...')
  .option('--status <code>', 'the HTTP status a failing request answers (default 500)')
  .option('--message <text>', "the error's message (a failing step's fault)")
  .option('--hang <ms>', 'hang instead: no answer, the connection dropped after MS (a step fails after MS)')
  .option('--slow <ms>', 'slow down instead: MS more, then as usual')
  .option('--count <n>', 'how many matching operations (default 1; 0: every one until cleared)')
  .option(...dataDirOption)
  .action(faultAdd);
fault
  .command('list')
  .description('the rules in force')
  .option(...dataDirOption)
  .action(faultList);
fault
  .command('clear')
  .description('remove one rule, or all')
  .argument('[id]', 'the rule (default: all)')
  .option(...dataDirOption)
  .action(faultClear);

const snapshot = program
  .command('snapshot')
  .description('the whole cloud (store, images, volumes) to one file and back');
snapshot
  .command('save')
  .description('save the cloud of the data dir to FILE, while it runs (writes wait meanwhile) or stopped')
  .argument('<file>')
  .option(...dataDirOption)
  .addOption(
    new Option(
      '--database <url>',
      "a stopped cloud's PostgreSQL database (default: the one its last start recorded, password from PGPASSWORD or ~/.pgpass)",
    ).env('POCKETSTACK_DATABASE'),
  )
  .action(snapshotSave);
snapshot
  .command('load')
  .description("replace the data dir's cloud by FILE's (the cloud stopped); start --from-snapshot does it at start")
  .argument('<file>')
  .option(...dataDirOption)
  .option('-f, --force', 'replace the cloud that is there (its guests stopped)')
  .action(snapshotLoad);
snapshot
  .command('show')
  .alias('status')
  .description('what FILE holds: resources by kind, files and bytes')
  .argument('<file>')
  .action(snapshotShow);

const images = program.command('images').description('bootable images built from Debian packages');
const build = images
  .command('build')
  .description("build an image (from the host's apt sources) and optionally register it");
build
  .command('tiny')
  .description(
    'a CirrOS-like image of a few MB: Debian cloud kernel, busybox, dropbear; reads metadata or the config drive',
  )
  .option('--output <file>', 'also write the qcow2 there')
  .option('--register [name]', "upload it to the running cloud's Glance (default name cirros-0.6.2-x86_64-disk)")
  .option(...dataDirOption)
  .action(buildTinyCommand);

build
  .command('debian')
  .description(
    "a Debian 12 cloud image as genericcloud (cloud-init, user debian, openssh-server), by mmdebstrap from the host's apt sources; needs root",
  )
  .option('--packages <list>', 'more Debian packages, comma-separated (e.g. mariadb-server,nodejs)')
  .option('--output <file>', 'also write the qcow2 there')
  .option('--register [name]', "upload it to the running cloud's Glance (default name debian-12-genericcloud-amd64)")
  .option(...dataDirOption)
  .action(buildDebianCommand);

const demo = program.command('demo').description("the guide's scenarios, run against the running cloud");
demo
  .command('two-tier')
  .description("the guide's two-tier application: database and web server, reached on a floating IP")
  .option(...dataDirOption)
  .option('--delete', 'remove everything the demo made')
  .option('--image <name>', 'image with mariadb-server and nodejs', 'debian-12-genericcloud-amd64')
  .option('--flavor <id>', 'flavor of both servers', 'd2')
  .option('--timeout <seconds>', 'how long to wait for the application', '900')
  .action(demoTwoTier);

program.parseAsync().catch((err) => {
  console.error(err instanceof CliError ? `pocketstack: ${err.message}` : err);
  process.exit(1);
});
