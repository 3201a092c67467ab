import {
  API_ROUTES,
  ERROR_CODES,
  ERROR_STATUS,
  HTTP_LIMITS,
  routeErrorCodes,
  type ApiRoute,
} from '../src';
import { buildOpenApiDocument, componentSchemas, BEARER_SCHEME } from '../src/openapi';
import { validateOpenApi } from './docs/run-node';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const doc: Json = buildOpenApiDocument();
const routes = Object.entries(API_ROUTES) as [string, ApiRoute][];
const op = (route: ApiRoute): Json => doc.paths[route.path][route.method.toLowerCase()];

describe('buildOpenApiDocument', () => {
  it('is a valid OpenAPI 3.1 document whose $refs all resolve', () => {
    const result = validateOpenApi(doc);
    expect(result.errors).toEqual([]);
    expect(result).toMatchObject({ valid: true, version: '3.1' });
  });

  it('is rejected by the validator when broken', () => {
    const { info: _info, ...noInfo } = doc;
    expect(validateOpenApi(noInfo).valid).toBe(false);
    const badStatus = structuredClone(doc);
    badStatus.paths['/api/v1/me'].get.responses = { ok: { description: 'x' } };
    expect(validateOpenApi(badStatus).valid).toBe(false);
    const danglingRef = structuredClone(doc);
    danglingRef.paths['/api/v1/me'].get.responses['200'].content['application/json'].schema = {
      $ref: '#/components/schemas/NoSuchSchema',
    };
    expect(validateOpenApi(danglingRef).valid).toBe(false);
  });

  it('has one operation per API_ROUTES entry, named after it, and nothing else', () => {
    const operations = Object.entries(doc.paths as Json).flatMap(([path, methods]) =>
      Object.entries(methods as Json).map(
        ([m, o]) => `${(o as Json).operationId} ${m.toUpperCase()} ${path}`,
      ),
    );
    expect(operations.sort()).toEqual(
      routes.map(([name, r]) => `${name} ${r.method} ${r.path}`).sort(),
    );
  });

  it.each(routes)(
    '%s: success status and body, bearer auth exactly when needed',
    (_name, route) => {
      const responses = op(route).responses as Json;
      const success = responses[String(route.status)];
      expect(success).toBeDefined();
      expect(success.content === undefined).toBe(route.response === null);
      expect(op(route).security).toEqual(route.auth ? [{ [BEARER_SCHEME]: [] }] : []);
      expect(doc.components.securitySchemes[BEARER_SCHEME]).toMatchObject({ scheme: 'bearer' });
    },
  );

  it.each(routes)('%s: answers exactly its error codes, each under its status', (_name, route) => {
    const responses = op(route).responses as Json;
    const listed: string[] = [];
    for (const [status, response] of Object.entries(responses)) {
      if (status === String(route.status)) continue;
      const schema = response.content['application/json'].schema;
      expect(schema.allOf[0]).toEqual({ $ref: '#/components/schemas/ErrorEnvelope' });
      const codes: string[] = schema.allOf[1].properties.error.properties.code.enum;
      for (const code of codes)
        expect([code, ERROR_STATUS[code as 'INTERNAL']]).toEqual([code, Number(status)]);
      listed.push(...codes);
    }
    expect(listed.sort()).toEqual(routeErrorCodes(route).sort());
  });

  it('names every error code in the ErrorEnvelope schema', () => {
    const code = doc.components.schemas.ErrorEnvelope.properties.error.properties.code;
    expect(code.enum).toEqual([...ERROR_CODES]);
  });

  it('describes request bodies: JSON schemas by reference, the avatar as multipart', () => {
    expect(op(API_ROUTES.createSession).requestBody.content['application/json'].schema).toEqual({
      $ref: '#/components/schemas/CreateSessionRequest',
    });
    const multipart = op(API_ROUTES.uploadAvatar).requestBody.content['multipart/form-data'];
    expect(multipart.schema.required).toEqual(['file']);
    expect(multipart.encoding.file.contentType).toContain('image/png');
    expect(op(API_ROUTES.getMe).requestBody).toBeUndefined();
  });

  it('says what zod refinements check where JSON Schema can', () => {
    expect(doc.components.schemas.ProfileUpdateRequest.minProperties).toBe(1);
    expect(doc.components.schemas.ProfileUpdateRequest.additionalProperties).toBe(false);
    // The nickname's limit after trimming, not the cheap bound zod checks first.
    expect(doc.components.schemas.ProfileUpdateRequest.properties.nickname).toMatchObject({
      minLength: 1,
      maxLength: HTTP_LIMITS.nicknameMaxChars,
    });
  });

  it('describes the linkage webhook body', () => {
    const body = doc.webhooks.linkageEvent.post.requestBody.content['application/json'].schema;
    expect(body).toEqual({ $ref: '#/components/schemas/LinkageEvent' });
    expect(doc.components.schemas.LinkageEvent.properties.type.enum).toEqual([
      'user.followed',
      'user.unfollowed',
    ]);
  });

  it('takes the server URL and version from the options', () => {
    const custom = buildOpenApiDocument({ serverUrl: 'https://api.example.com', version: '1.2.3' });
    expect(custom.servers).toEqual([{ url: 'https://api.example.com' }]);
    expect((custom.info as Json).version).toBe('1.2.3');
    expect(doc.servers).toEqual([{ url: '/' }]);
  });

  it('is the same for requests and responses (no zod transform makes them differ)', () => {
    // If this fails, a schema gained a transform or default: build request and response
    // components separately (io: 'input' / 'output').
    expect(componentSchemas('input')).toEqual(componentSchemas('output'));
  });

  it('is a fresh plain value on every call', () => {
    const a = buildOpenApiDocument();
    (a.paths as Json)['/api/v1/me'].get.summary = 'changed';
    expect(JSON.stringify(buildOpenApiDocument())).toBe(JSON.stringify(doc));
  });
});
