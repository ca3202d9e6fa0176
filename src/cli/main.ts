import { Command } from 'commander';
import { defaultDataDir } from '../config.js';
import { cloudsYaml, openrc } from './openrc.js';
import { reset } from './reset.js';
import { start } from './start.js';
import { status } from './status.js';

const program = new Command();
program
  .name('pocketstack')
  .description('OpenStack in one process: Keystone, Nova, Glance, Neutron, Cinder and Heat on one port')
  .version('0.1.0');

const dataDirOption = ['--data-dir <dir>', 'where state lives', defaultDataDir()] as const;

program
  .command('start')
  .description('run the cloud in the foreground')
  .option('--host <host>', 'address to listen on', '127.0.0.1')
  .option('--port <port>', 'port to listen on (0 picks a free one)', '5000')
  .option(...dataDirOption)
  .option(
    '--admin-password <password>',
    'password of admin, demo and alt_demo on first start (env POCKETSTACK_PASSWORD)',
  )
  .option('--log-level <level>', 'log level of <data-dir>/pocketstack.log', 'info')
  .option('--token-ttl <seconds>', 'token lifetime', '3600')
  .option(
    '--compute-driver <driver>',
    'auto (qemu when root on Linux with qemu-system-x86_64 and the linux network driver), fake or qemu',
    'auto',
  )
  .action(start);

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
  .description('what is running, where, how much state')
  .option(...dataDirOption)
  .action(status);

program
  .command('reset')
  .description('delete all state in the data dir')
  .option(...dataDirOption)
  .option('-y, --yes', 'do not ask')
  .action(reset);

program.parseAsync().catch((err) => {
  console.error(err);
  process.exit(1);
});
