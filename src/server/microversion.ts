import type { FastifyReply, FastifyRequest } from 'fastify';
import { NotAcceptable } from './errors.js';

/** The versions `atLeast` was asked about (literals in the code), parsed. */
const known = new Map<string, Microversion>();

/** A microversion "2.79" as a comparable pair. */
export class Microversion {
  constructor(
    readonly major: number,
    readonly minor: number,
  ) {}

  static parse(text: string): Microversion | undefined {
    const m = /^(\d+)\.(\d+)$/.exec(text.trim());
    return m ? new Microversion(Number(m[1]), Number(m[2])) : undefined;
  }

  /** this >= "2.47" (a view asks a dozen times a row: each text is parsed once) */
  atLeast(text: string): boolean {
    let o = known.get(text);
    if (!o) known.set(text, (o = Microversion.parse(text)!));
    return this.major > o.major || (this.major === o.major && this.minor >= o.minor);
  }

  compare(o: Microversion): number {
    return this.major - o.major || this.minor - o.minor;
  }

  toString(): string {
    return `${this.major}.${this.minor}`;
  }
}

export interface MicroversionSpec {
  /** The service name in OpenStack-API-Version: "compute", "volume". */
  service: string;
  /** The legacy header, e.g. "X-OpenStack-Nova-API-Version" (also echoed). */
  legacyHeader?: string;
  min: string;
  max: string;
}

declare module 'fastify' {
  interface FastifyRequest {
    /** The microversion this request asked for (the minimum when it asked for none). */
    microversion: Microversion;
  }
}

/**
 * Reads the requested microversion (`OpenStack-API-Version: compute 2.79`,
 * the legacy header, `latest`), refuses one out of range with 406, and echoes
 * it back as the real services do. Returns it; also sets request.microversion.
 */
export function negotiateMicroversion(req: FastifyRequest, reply: FastifyReply, spec: MicroversionSpec): Microversion {
  const min = Microversion.parse(spec.min)!;
  const max = Microversion.parse(spec.max)!;
  let asked: string | undefined;
  const modern = req.headers['openstack-api-version'];
  if (typeof modern === 'string') {
    for (const part of modern.split(',')) {
      const [svc, version] = part.trim().split(/\s+/);
      if (svc?.toLowerCase() === spec.service && version) asked = version;
    }
  }
  if (asked === undefined && spec.legacyHeader) {
    const legacy = req.headers[spec.legacyHeader.toLowerCase()];
    if (typeof legacy === 'string') asked = legacy.trim();
  }
  let version = min;
  if (asked !== undefined) {
    if (asked.toLowerCase() === 'latest') version = max;
    else {
      const parsed = Microversion.parse(asked);
      if (!parsed) throw new NotAcceptable(`Invalid format for API version: ${asked}.`);
      if (parsed.compare(min) < 0 || parsed.compare(max) > 0)
        throw new NotAcceptable(
          `Version ${asked} is not supported by the API. Minimum is ${spec.min} and maximum is ${spec.max}.`,
        );
      version = parsed;
    }
  }
  reply.header('OpenStack-API-Version', `${spec.service} ${version}`);
  if (spec.legacyHeader) reply.header(spec.legacyHeader, version.toString());
  reply.header('Vary', spec.legacyHeader ? `OpenStack-API-Version, ${spec.legacyHeader}` : 'OpenStack-API-Version');
  req.microversion = version;
  return version;
}
