import { describe, expect, it } from 'vitest';
import { endpointUrl } from '../../../src/dashboard/api/catalog.js';
import { errorMessage } from '../../../src/dashboard/api/errors.js';

describe('dashboard: error messages of each service', () => {
  it("takes Nova's, Cinder's, Neutron's, Keystone's and Heat's message out of their bodies", () => {
    const json = 'application/json';
    expect(
      errorMessage(404, json, '{"itemNotFound": {"code": 404, "message": "Instance x could not be found."}}'),
    ).toBe('Instance x could not be found.');
    expect(
      errorMessage(
        409,
        json,
        '{"NeutronError": {"type": "IpAddressInUse", "message": "IP 10.0.0.3 is in use.", "detail": ""}}',
      ),
    ).toBe('IP 10.0.0.3 is in use.');
    expect(errorMessage(401, json, '{"error": {"code": 401, "title": "Unauthorized", "message": "Bad creds."}}')).toBe(
      'Bad creds.',
    );
    expect(
      errorMessage(
        400,
        json,
        '{"explanation": "The server could not comply.", "code": 400, "error": {"message": "Parameter image missing", "traceback": "Traceback…", "type": "UserParameterMissing"}, "title": "Bad Request"}',
      ),
    ).toBe('Parameter image missing');
  });

  it("reads Glance's HTML error page as its message, without markup", () => {
    const html =
      '<html>\n <head>\n  <title>403 Forbidden</title>\n </head>\n <body>\n  <h1>403 Forbidden</h1>\n  You are not authorized to complete publicize_image action.<br /><br />\n\n </body>\n</html>';
    expect(errorMessage(403, 'text/html; charset=UTF-8', html)).toBe(
      'You are not authorized to complete publicize_image action.',
    );
  });

  it('falls back to the status in words when the body says nothing', () => {
    expect(errorMessage(503, 'application/json', 'not json')).toBe('Service unavailable');
    expect(errorMessage(418, 'text/plain', '')).toBe('HTTP 418');
  });
});

describe('dashboard: endpoints from the catalog', () => {
  const catalog = [
    {
      type: 'network',
      name: 'neutron',
      endpoints: [{ interface: 'public', region_id: 'RegionOne', url: 'http://127.0.0.1:5000/networking' }],
    },
    {
      type: 'block-storage',
      name: 'cinder',
      endpoints: [
        { interface: 'internal', url: 'http://10.0.0.1/volume/v3/p1' },
        { interface: 'public', url: 'http://127.0.0.1:5000/volume/v3/p1/' },
      ],
    },
    { type: 'compute', name: 'nova', endpoints: [{ interface: 'public', url: 'http://127.0.0.1:5000/compute/v2.1' }] },
  ];
  it("uses the public endpoint's path on the page's origin, with the API version clients add", () => {
    expect(endpointUrl(catalog, 'network', 'http://localhost:5000')).toBe('http://localhost:5000/networking/v2.0');
    expect(endpointUrl(catalog, 'volume', 'http://localhost:5000')).toBe('http://localhost:5000/volume/v3/p1');
    expect(endpointUrl(catalog, 'compute', 'http://h')).toBe('http://h/compute/v2.1');
  });
  it('has no endpoint for a service the catalog lacks or in another region', () => {
    expect(endpointUrl(catalog, 'orchestration', 'http://h')).toBeUndefined();
    expect(endpointUrl(catalog, 'network', 'http://h', 'RegionTwo')).toBeUndefined();
  });
});
