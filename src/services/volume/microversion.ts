import type { FastifyReply, FastifyRequest } from 'fastify';
import { type MicroversionSpec, negotiateMicroversion } from '../../server/microversion.js';

/**
 * Cinder's microversion range. 3.70 is Zed's maximum (the clients this
 * project is tested with); what each version adds and what pocketstack
 * leaves out is in README.md.
 */
export const MICROVERSIONS: MicroversionSpec = { service: 'volume', min: '3.0', max: '3.70' };

/** onRequest hook of every /v3 route: reads and echoes OpenStack-API-Version: volume 3.x. */
export async function volumeMicroversion(req: FastifyRequest, reply: FastifyReply): Promise<void> {
  negotiateMicroversion(req, reply, MICROVERSIONS);
}
