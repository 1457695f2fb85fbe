import { PROOF_ALGORITHM, type ProofAction, type ProofKey, type ProofPayload } from '../../../lib/domain/refresh-proof';

/**
 * Where the dashboard keeps its refresh token: IndexedDB, beside the private key the token is bound to
 * (lib/domain/refresh-proof.ts). The key is created by WebCrypto as not extractable: no script, this
 * dashboard's own included, can read it out, so a copied refresh token is useless without this browser.
 * The access token and the user stay in localStorage (short-lived, and read synchronously at start).
 */

export interface HeldRefresh {
  refreshToken: string;
  /** Absent where the browser offers no WebCrypto (a page not served over HTTPS or localhost): an unbound session. */
  privateKey?: CryptoKey;
}

const DATABASE = 'alert-whisperer';
const STORE = 'session';
const RECORD = 'refresh';

function request<T>(run: (store: IDBObjectStore) => IDBRequest<T>, mode: IDBTransactionMode): Promise<T> {
  return new Promise((resolve, reject) => {
    const opening = indexedDB.open(DATABASE, 1);
    opening.onupgradeneeded = () => opening.result.createObjectStore(STORE);
    opening.onerror = () => reject(opening.error ?? new Error('IndexedDB cannot be opened'));
    opening.onsuccess = () => {
      const database = opening.result;
      const pending = run(database.transaction(STORE, mode).objectStore(STORE));
      pending.onsuccess = () => {
        database.close();
        resolve(pending.result);
      };
      pending.onerror = () => {
        database.close();
        reject(pending.error ?? new Error('IndexedDB request failed'));
      };
    };
  });
}

function isHeldRefresh(value: unknown): value is HeldRefresh {
  const candidate = value as Partial<HeldRefresh> | undefined;
  return typeof candidate?.refreshToken === 'string' && (candidate.privateKey === undefined || candidate.privateKey instanceof CryptoKey);
}

export const refreshStore = {
  async read(): Promise<HeldRefresh | undefined> {
    const value: unknown = await request((store) => store.get(RECORD), 'readonly');
    return isHeldRefresh(value) ? value : undefined;
  },
  async write(held: HeldRefresh | undefined): Promise<void> {
    if (held) await request((store) => store.put(held, RECORD), 'readwrite');
    else await request((store) => store.delete(RECORD), 'readwrite');
  },
};

const ECDSA_P256 = { name: 'ECDSA', namedCurve: 'P-256' } as const;

/** A new key pair for a sign-in (its private key not extractable), or undefined without WebCrypto. */
export async function newProofKey(): Promise<{ privateKey: CryptoKey; publicKey: ProofKey } | undefined> {
  if (!globalThis.crypto?.subtle) return undefined;
  const pair = await crypto.subtle.generateKey(ECDSA_P256, false, ['sign']);
  const { x, y } = await crypto.subtle.exportKey('jwk', pair.publicKey);
  if (!x || !y) return undefined;
  return { privateKey: pair.privateKey, publicKey: { kty: 'EC', crv: 'P-256', x, y } };
}

const utf8 = (text: string) => new TextEncoder().encode(text);

function base64url(bytes: ArrayBuffer | Uint8Array): string {
  let binary = '';
  for (const byte of new Uint8Array(bytes)) binary += String.fromCharCode(byte);
  return btoa(binary).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

/** The proof a key-bound refresh token is presented with: a compact JWS (ES256; WebCrypto signs in JWS's r||s form). */
export async function proofFor(held: HeldRefresh, act: ProofAction): Promise<string | undefined> {
  if (!held.privateKey) return undefined;
  const payload: ProofPayload = { ath: base64url(await crypto.subtle.digest('SHA-256', utf8(held.refreshToken))), act };
  const signingInput = `${base64url(utf8(JSON.stringify({ alg: PROOF_ALGORITHM })))}.${base64url(utf8(JSON.stringify(payload)))}`;
  const signature = await crypto.subtle.sign({ name: 'ECDSA', hash: 'SHA-256' }, held.privateKey, utf8(signingInput));
  return `${signingInput}.${base64url(signature)}`;
}
