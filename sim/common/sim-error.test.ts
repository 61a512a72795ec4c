import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SimError } from './sim-error.ts';
import { JsonBodyError } from './json-http.ts';
import { ProtocolError, RelayError } from '../protocol/errors.ts';
import { TunnelFrameError } from '../protocol/tunnel-frames.ts';
import { BackendCallError } from '../connector/backend-call.ts';
import { LinkCommandError } from '../connector/link-faults.ts';
import { LinkError } from '../connector/relay-dialer.ts';
import { RegistrationError } from '../connector/registration.ts';
import { CsrError } from '../pki/certificate-authority.ts';
import { RevokeRequestError } from '../cluster/certificate-revocation.ts';
import { ComponentStartError } from '../cluster/component-process.ts';
import { FaultRequestError } from '../cluster/fault-request.ts';
import { TopologyError } from '../cluster/topology.ts';
import { TargetUnreachableError } from '../../loadtests/run/run-context.ts';
import { ThresholdError } from '../../loadtests/run/thresholds.ts';

test('every error class carries a stable code, retryable, its own name and the cause', () => {
  const cause = new Error('underneath');
  const errors: SimError[] = [
    new JsonBodyError('m', { cause }),
    new RelayError('queue_full'),
    new ProtocolError('malformed_frame', 'm'),
    new TunnelFrameError('m'),
    new BackendCallError('backend_unreachable', 'm'),
    new LinkCommandError('m'),
    new LinkError('proxy_auth_unsupported', 'm'),
    new RegistrationError('m', false),
    new CsrError('m'),
    new RevokeRequestError('m'),
    new ComponentStartError('m'),
    new FaultRequestError('m'),
    new TopologyError('m'),
    new TargetUnreachableError('m'),
    new ThresholdError('m'),
  ];
  for (const error of errors) {
    assert.ok(error instanceof SimError);
    assert.equal(error.name, error.constructor.name);
    assert.match(error.code, /^[a-z_]+$/);
    assert.equal(typeof error.retryable, 'boolean');
  }
  assert.equal(errors[0]!.cause, cause);
  assert.equal(new RelayError('queue_full').retryable, true);
  assert.equal(new BackendCallError('backend_unreachable', 'm').retryable, true);
  assert.equal(new LinkError('proxy_auth_unsupported', 'm').retryable, false);
  assert.equal(new TargetUnreachableError('m').retryable, true);
});
