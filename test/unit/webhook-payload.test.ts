import { describe, expect, it } from 'vitest';
import { parseWebhookPayload, signWebhookBody } from '../../src/ingest/index.js';

const REC_ID = '0A8C2F1B3D4E5F60718293A4B5C6D7E8';
const parse = (text: string) => parseWebhookPayload(Buffer.from(text));

describe('parseWebhookPayload', () => {
  it.each([
    ['RecId', `{"RecId":"${REC_ID}"}`, { kind: 'recId', recId: REC_ID }],
    ['lower-case RecId value', `{"RecId":"${REC_ID.toLowerCase()}"}`, { kind: 'recId', recId: REC_ID }],
    ['key typed in another case', `{"recid":"${REC_ID}"}`, { kind: 'recId', recId: REC_ID }],
    ['IncidentNumber', '{"IncidentNumber":10435}', { kind: 'incidentNumber', incidentNumber: 10435 }],
    [
      'quoted IncidentNumber',
      '{"IncidentNumber":"10435"}',
      { kind: 'incidentNumber', incidentNumber: 10435 },
    ],
    [
      'empty RecId falls back to IncidentNumber',
      '{"RecId":"","IncidentNumber":7}',
      { kind: 'incidentNumber', incidentNumber: 7 },
    ],
    [
      'RecId wins over IncidentNumber',
      `{"RecId":"${REC_ID}","IncidentNumber":7}`,
      { kind: 'recId', recId: REC_ID },
    ],
    [
      'whole record keeps LastModDateTime only',
      `{"RecId":"${REC_ID}","LastModDateTime":"2026-11-02T09:59:58Z","Subject":"s","Symptom":"t"}`,
      { kind: 'recId', recId: REC_ID, lastModDateTime: '2026-11-02T09:59:58Z' },
    ],
    [
      'unreadable LastModDateTime is dropped',
      `{"RecId":"${REC_ID}","LastModDateTime":"soon"}`,
      { kind: 'recId', recId: REC_ID },
    ],
    ['leading BOM', `\uFEFF{"RecId":"${REC_ID}"}`, { kind: 'recId', recId: REC_ID }],
  ])('%s', (_name, text, target) => {
    expect(parse(text)).toEqual({ ok: true, target });
  });

  it.each([
    ['not JSON', '{RecId:1', /not valid JSON/],
    ['empty body', '', /not valid JSON/],
    ['array', `[{"RecId":"${REC_ID}"}]`, /JSON object/],
    ['string', '"hello"', /JSON object/],
    ['null', 'null', /JSON object/],
    ['neither field', '{"Subject":"x"}', /missing RecId .* or IncidentNumber/],
    ['RecId too short', '{"RecId":"ABC"}', /RecId must be 32 hex/],
    ['RecId template left unexpanded', '{"RecId":"$(RecId)"}', /RecId must be 32 hex/],
    ['RecId not a string', '{"RecId":12345}', /RecId must be 32 hex/],
    ['IncidentNumber fractional', '{"IncidentNumber":1.5}', /positive integer/],
    ['IncidentNumber negative', '{"IncidentNumber":-4}', /positive integer/],
    ['IncidentNumber words', '{"IncidentNumber":"ten"}', /positive integer/],
  ])('refuses %s', (_name, text, problem) => {
    const result = parse(text);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.problem).toMatch(problem);
  });
});

describe('signWebhookBody', () => {
  it('is sha256= + hex HMAC-SHA256(secret, "<timestamp>.<raw body>") (vector from openssl dgst -sha256 -hmac)', () => {
    const rawBody = `{"RecId":"${REC_ID}"}`;
    expect(signWebhookBody('test-secret-0123456789', 1_700_000_000, rawBody)).toBe(
      'sha256=b743e0ad418932f8d46a6652546d38bb66096b3e7af605608c6b85e176a9c5ce',
    );
    expect(signWebhookBody('test-secret-0123456789', '1700000000', Buffer.from(rawBody))).toBe(
      'sha256=b743e0ad418932f8d46a6652546d38bb66096b3e7af605608c6b85e176a9c5ce',
    );
  });
});

describe('parseWebhookPayload with the fields the worker needs', () => {
  const fields = ['RecId', 'IncidentNumber', 'LastModDateTime', 'Subject', 'OwnerTeam'];
  const whole = {
    RecId: REC_ID,
    IncidentNumber: '10435',
    LastModDateTime: '2026-11-20T09:00:00-06:00',
    subject: 'Projector',
    OwnerTeam: '',
    Unneeded: 'never kept',
  };

  it('carries them (and nothing else) when the body holds all of them and the version', () => {
    const r = parseWebhookPayload(Buffer.from(JSON.stringify(whole)), fields);
    expect(r).toEqual({
      ok: true,
      target: {
        kind: 'recId',
        recId: REC_ID,
        lastModDateTime: '2026-11-20T09:00:00-06:00',
        // A rule's template renders numbers as text: IncidentNumber is a number again.
        record: {
          RecId: REC_ID,
          IncidentNumber: 10435,
          LastModDateTime: '2026-11-20T09:00:00-06:00',
          Subject: 'Projector',
          OwnerTeam: '',
        },
      },
    });
  });

  it('carries nothing when a field or the version is missing (the worker reads the ticket)', () => {
    const { OwnerTeam: _team, ...partial } = whole;
    const noTeam = parseWebhookPayload(Buffer.from(JSON.stringify(partial)), fields);
    expect(noTeam).toEqual({
      ok: true,
      target: { kind: 'recId', recId: REC_ID, lastModDateTime: '2026-11-20T09:00:00-06:00' },
    });
    const { LastModDateTime: _v, ...unversioned } = whole;
    const noVersion = parseWebhookPayload(Buffer.from(JSON.stringify(unversioned)), fields);
    expect(noVersion).toEqual({ ok: true, target: { kind: 'recId', recId: REC_ID } });
  });
});
