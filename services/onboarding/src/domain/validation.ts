import type { Actor } from '@tenantatlas/core';
import { inputErrors } from './errors';

/** Input checks shared by every entrypoint; each failure is INVALID_ARGUMENT with a stable code. */
export function requireText(field: string, value: string | undefined | null, maxLength = 200): string {
  const text = (value ?? '').trim();
  if (!text) throw inputErrors.required(field);
  if (text.length > maxLength) throw inputErrors.invalid(field, `at most ${maxLength} characters`);
  return text;
}

export function optionalText(field: string, value: string | undefined | null, maxLength = 200): string {
  const text = (value ?? '').trim();
  if (text.length > maxLength) throw inputErrors.invalid(field, `at most ${maxLength} characters`);
  return text;
}

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const DOMAIN = /^(?=.{3,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/;

/** The provider's tenant id: a GUID (Entra tenant id) or a verified domain; compared lower-case. */
export function externalTenantId(value: string | undefined | null): string {
  const id = requireText('external_tenant_id', value, 253).toLowerCase();
  if (!GUID.test(id) && !DOMAIN.test(id)) throw inputErrors.invalid('external_tenant_id', 'expected a tenant GUID or a domain name');
  return id;
}

export function primaryDomain(value: string | undefined | null): string {
  const domain = optionalText('primary_domain', value, 253).toLowerCase();
  if (domain && !DOMAIN.test(domain)) throw inputErrors.invalid('primary_domain', 'expected a domain name');
  return domain;
}

export function requireVersion(value: number | undefined | null): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1) {
    throw inputErrors.invalid('expected_version', 'required: the version you last read (1 or more)');
  }
  return value;
}

export function requireActor(actor: Actor | undefined | null): Actor {
  if (!actor) throw inputErrors.required('actor');
  return actor;
}

export function requireId(field: string, value: string | undefined | null): string {
  const id = requireText(field, value, 128);
  if (!/^[A-Za-z0-9_.:-]+$/.test(id)) throw inputErrors.invalid(field, 'unexpected characters');
  return id;
}
