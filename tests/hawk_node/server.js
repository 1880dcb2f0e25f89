'use strict';

// A loopback Taskcluster stand-in that authenticates every request with the
// `hawk` library Taskcluster's services use (header auth and bewits), and
// applies Taskcluster's rules for Hawk's `ext` (authorizedScopes, temporary
// credentials certificates) the way services/auth/src/signaturevalidator.js
// does. It prints its port on the first stdout line.
//
// Every answer carries `x-hawk-seen`: JSON of what authentication found
// (clientId, decoded ext, method, url, scheme, scopes, whether the payload
// hash was checked), so tests can assert on it next to a normal API body.
// `x-test-clock-offset-ms` on a request shifts this server's clock for that
// request (Hawk's `localtimeOffsetMsec`), to check expiry without waiting.

const Crypto = require('crypto');
const Http = require('http');
const Hawk = require('hawk');

// Permanent clients: clientId -> accessToken and (already expanded) scopes.
const CLIENTS = {
    tester: { accessToken: 'no-secret', scopes: ['queue:*', 'test:*'] },
    issuer: { accessToken: 'issuer-secret', scopes: ['queue:*', 'test:*', 'auth:create-client:named-*'] }
};

const MAX_CERTIFICATE_LIFETIME_MS = 31 * 24 * 60 * 60 * 1000;
const CERTIFICATE_CLOCK_SKEW_MS = 5 * 60 * 1000;
const TIMESTAMP_SKEW_SEC = 15 * 60;

const TASK_GROUP_ID = 'dMh4Vu2eRvChHCr5JcSKzA';

// A task definition that validates against the queue's task schema.
const TASK = {
    provisionerId: 'proj-test',
    workerType: 'linux',
    taskQueueId: 'proj-test/linux',
    schedulerId: '-',
    projectId: 'none',
    taskGroupId: TASK_GROUP_ID,
    dependencies: [],
    requires: 'all-completed',
    routes: ['index.project.test'],
    priority: 'lowest',
    retries: 5,
    created: '2026-11-27T10:00:00.000Z',
    deadline: '2026-11-28T10:00:00.000Z',
    expires: '2027-11-27T10:00:00.000Z',
    scopes: [],
    payload: { command: ['echo', 'hi'], maxRunTime: 600 },
    metadata: {
        name: 'a test task',
        description: 'served by the hawk check server',
        owner: 'tester@example.com',
        source: 'https://example.com/source'
    },
    tags: {},
    extra: {}
};

const taskStatus = function (taskId) {

    return {
        status: {
            taskId,
            provisionerId: TASK.provisionerId,
            workerType: TASK.workerType,
            taskQueueId: TASK.taskQueueId,
            schedulerId: TASK.schedulerId,
            projectId: TASK.projectId,
            taskGroupId: TASK.taskGroupId,
            deadline: TASK.deadline,
            expires: TASK.expires,
            retriesLeft: TASK.retries,
            state: 'pending',
            runs: []
        }
    };
};

// --- Taskcluster's scope rules (the subset the ext checks need) -----------

const validScope = (scope) => typeof scope === 'string' && /^[\x20-\x7e]*$/.test(scope);

const satisfiesScope = (held, required) => held.some((scope) => scope === required ||
    (scope.endsWith('*') && required.startsWith(scope.slice(0, -1))));

const satisfiesAll = (held, required) => required.every((scope) => satisfiesScope(held, scope));

// --- Taskcluster's ext rules ------------------------------------------------

const parseExt = function (ext) {

    try {
        return JSON.parse(Buffer.from(ext, 'base64').toString('utf-8'));
    }
    catch (err) {
        throw new Error('Failed to parse ext');
    }
};

const certificateText = function (cert, credentialName) {

    const lines = ['version:1'];
    if (cert.issuer) {
        lines.push('clientId:' + credentialName, 'issuer:' + cert.issuer);
    }

    lines.push('seed:' + cert.seed, 'start:' + cert.start, 'expiry:' + cert.expiry, 'scopes:');
    return lines.concat(cert.scopes).join('\n');
};

// Checks a temporary credentials certificate; returns the derived accessToken.
const checkCertificate = function (cert, credentialName, issuingClientId, issuer, now) {

    if (!(cert instanceof Object)) {
        throw new Error('ext.certificate must be a JSON object');
    }

    if (cert.version !== 1) {
        throw new Error('ext.certificate.version must be 1');
    }

    if (typeof cert.seed !== 'string' || cert.seed.length !== 44) {
        throw new Error('ext.certificate.seed must be a string of 44 characters');
    }

    if (typeof cert.start !== 'number' || typeof cert.expiry !== 'number') {
        throw new Error('ext.certificate.start and expiry must be numbers');
    }

    if (!Array.isArray(cert.scopes) || !cert.scopes.every(validScope)) {
        throw new Error('ext.certificate.scopes must be an array of valid scopes');
    }

    if (cert.start > now + CERTIFICATE_CLOCK_SKEW_MS) {
        throw new Error('ext.certificate.start > now');
    }

    if (cert.expiry < now - CERTIFICATE_CLOCK_SKEW_MS) {
        throw new Error('ext.certificate.expiry < now');
    }

    if (cert.expiry - cert.start > MAX_CERTIFICATE_LIFETIME_MS) {
        throw new Error('ext.certificate cannot last longer than 31 days!');
    }

    if (issuingClientId !== credentialName) {
        const createScope = 'auth:create-client:' + credentialName;
        if (!satisfiesScope(issuer.scopes, createScope)) {
            throw new Error(`ext.certificate issuer \`${issuingClientId}\` doesn't have \`${createScope}\` for supplied clientId.`);
        }
    }
    else if ('clientId' in cert) {
        throw new Error('ext.certificate.clientId must only be used with ext.certificate.issuer');
    }

    if (!satisfiesAll(issuer.scopes, cert.scopes)) {
        throw new Error(`ext.certificate issuer \`${issuingClientId}\` doesn't satisfy all certificate scopes`);
    }

    const signature = Crypto.createHmac('sha256', issuer.accessToken)
        .update(certificateText(cert, credentialName))
        .digest('base64');
    if (typeof cert.signature !== 'string' ||
        cert.signature.length !== signature.length ||
        !Crypto.timingSafeEqual(Buffer.from(cert.signature), Buffer.from(signature))) {

        throw new Error('ext.certificate.signature is not valid' + (cert.issuer ? ', or wrong clientId provided' : ''));
    }

    return Crypto.createHmac('sha256', issuer.accessToken).update(cert.seed).digest('base64url');
};

// The credentials Hawk checks the MAC with, after applying `ext` (raw base64 or undefined).
const loadCredentials = function (clientId, rawExt, seen, now) {

    let issuingClientId = clientId;
    const ext = rawExt ? parseExt(rawExt) : undefined;
    if (ext && ext.certificate && ext.certificate.issuer) {
        issuingClientId = ext.certificate.issuer;
        if (typeof issuingClientId !== 'string') {
            throw new Error('ext.certificate.issuer must be a string');
        }

        if (issuingClientId === clientId) {
            throw new Error('ext.certificate.issuer must differ from the supplied clientId');
        }
    }

    const issuer = CLIENTS[issuingClientId];
    if (!issuer) {
        throw new Error(`client ${issuingClientId} not found`);
    }

    let key = issuer.accessToken;
    let scopes = issuer.scopes;
    if (ext && ext.certificate) {
        key = checkCertificate(ext.certificate, clientId, issuingClientId, issuer, now);
        scopes = ext.certificate.scopes;
    }

    if (ext && ext.authorizedScopes) {
        if (!Array.isArray(ext.authorizedScopes) || !ext.authorizedScopes.every(validScope)) {
            throw new Error('ext.authorizedScopes must be an array of valid scopes');
        }

        if (!satisfiesAll(scopes.concat(['assume:anonymous']), ext.authorizedScopes)) {
            throw new Error('Supplied credentials do not satisfy authorizedScopes');
        }

        scopes = ext.authorizedScopes;
    }

    seen.clientId = clientId;
    seen.issuer = issuingClientId;
    seen.ext = ext === undefined ? null : ext;
    seen.scopes = scopes;
    return { id: clientId, key, algorithm: 'sha256' };
};

// The ext inside a bewit, read the way Taskcluster's auth service reads it.
const bewitExt = function (url) {

    const parts = url.match(/^(\/.*)([\?&])bewit\=([^&$]*)(?:&(.+))?$/);
    if (!parts || !/^[\w\-]*$/.test(parts[3])) {
        return undefined;
    }

    const fields = Buffer.from(parts[3], 'base64').toString('binary').split('\\');
    return fields.length === 4 && fields[3] ? fields[3] : undefined;
};

// Taskcluster's own payload check (libraries/api/src/middleware/auth.js):
// the MAC is checked without the payload; then, if the client sent a hash,
// it must equal the hash of `req.text` with the Content-Type header as
// received. `req.text` is the body only when body-parser read it, that is
// for a non-empty `application/json` body (middleware/parse.js), else ''.
const checkPayloadHash = function (req, body, attributes, seen) {

    const contentType = req.headers['content-type'];
    seen.contentType = contentType === undefined ? null : contentType;
    seen.bodyLength = body.length;
    if (typeof attributes.hash !== 'string') {
        if (body.length > 0) {
            // Taskcluster accepts this; our clients must never send an unhashed body.
            throw new Error('a body was sent without a payload hash');
        }

        return;
    }

    const isJson = Hawk.utils.parseContentType(contentType) === 'application/json';
    const text = isJson && body.length > 0 ? body.toString('utf-8') : '';
    const computed = Hawk.crypto.calculatePayloadHash(Buffer.from(text, 'utf-8'), 'sha256', contentType);
    seen.payloadVerified = true;
    if (computed !== attributes.hash) {
        throw new Error(`Invalid payload hash: ${attributes.hash}\nComputed payload hash: ${computed}`);
    }
};

const authenticate = async function (req, body, seen) {

    const offset = Number(req.headers['x-test-clock-offset-ms'] || 0);
    const now = Date.now() + offset;
    if (req.headers.authorization) {
        seen.scheme = 'hawk';
        const attributes = Hawk.utils.parseAuthorizationHeader(req.headers.authorization);
        const options = { timestampSkewSec: TIMESTAMP_SKEW_SEC, localtimeOffsetMsec: offset };
        await Hawk.server.authenticate(req,
            (clientId) => loadCredentials(clientId, attributes.ext, seen, now), options);
        checkPayloadHash(req, body, attributes, seen);
    }
    else if (/^\/.*[\?&]bewit\=/.test(req.url)) {
        seen.scheme = 'bewit';
        await Hawk.uri.authenticate(req,
            (clientId) => loadCredentials(clientId, bewitExt(req.url), seen, now),
            { localtimeOffsetMsec: offset });
    }
    else {
        throw new Error('no Hawk authorization header and no bewit');
    }
};

// Boom errors hide the credentials function's message in output.payload.
const failureMessage = function (err) {

    if (err.isBoom && !err.isServer) {
        const payload = err.output.payload;
        return payload.message ? `${payload.error}: ${payload.message}` : payload.error;
    }

    return err.message || String(err);
};

const asciiJson = (value) => JSON.stringify(value).replace(/[\u007f-\uffff]/g,
    (c) => '\\u' + c.charCodeAt(0).toString(16).padStart(4, '0'));

const route = function (req, seen) {

    const path = req.url.split('?')[0];
    const group = path.match(/^\/api\/queue\/v1\/task-group\/([^/]+)\/list$/);
    if (group && req.method === 'GET') {
        return { taskGroupId: decodeURIComponent(group[1]), schedulerId: TASK.schedulerId, expires: TASK.expires, tasks: [] };
    }

    const match = path.match(/^\/api\/queue\/v1\/task\/([^/]+)$/);
    if (match && req.method === 'GET') {
        return TASK;
    }

    if (match && req.method === 'PUT') {
        return taskStatus(decodeURIComponent(match[1]));
    }

    return { clientId: seen.clientId, ext: seen.ext, method: req.method, url: req.url };
};

const send = function (res, status, body, seen) {

    const text = JSON.stringify(body);
    res.writeHead(status, {
        'content-type': 'application/json',
        'content-length': Buffer.byteLength(text),
        'x-hawk-seen': asciiJson(seen)
    });
    res.end(text);
};

const server = Http.createServer((req, res) => {

    const chunks = [];
    req.on('data', (chunk) => chunks.push(chunk));
    req.on('end', async () => {

        const body = Buffer.concat(chunks);
        const seen = { method: req.method, url: req.url, payloadVerified: false };
        try {
            await authenticate(req, body, seen);
        }
        catch (err) {
            seen.error = failureMessage(err);
            send(res, 401, {
                code: 'AuthenticationFailed',
                message: seen.error,
                requestInfo: { method: req.method, params: {}, payload: {}, time: new Date().toISOString() }
            }, seen);
            return;
        }

        send(res, 200, route(req, seen), seen);
    });
});

server.listen(0, '127.0.0.1', () => {

    process.stdout.write(`${server.address().port}\n`);
});

// Exit when the test process closes our stdin (even if it dies without cleanup).
process.stdin.on('end', () => process.exit(0));
process.stdin.resume();
