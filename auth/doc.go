// Package auth provides the storage-free building blocks of authentication
// for nrm: password hashing and policy, TOTP and recovery codes, random
// secrets and API tokens, the login throttle's policy and a WebAuthn wrapper.
// It keeps no state and imports no other nrm package; the storage/service
// layer persists what these functions return.
//
// The target is OWASP ASVS 5.0 level 3. Choices:
//
// Passwords (V6.2, V11.4.2): Argon2id, m=46 MiB (47104 KiB), t=1, p=1, 16-byte
// random salt, 32-byte key, stored as a PHC string
// "$argon2id$v=19$m=47104,t=1,p=1$<salt>$<hash>" (base64 without padding).
// Verification takes the parameters from the stored string but only within
// fixed bounds (m ≤ 256 MiB, t ≤ 10, p ≤ 16) so a crafted hash cannot be used
// for denial of service, and compares in constant time. NeedsRehash tells
// when to upgrade a hash after login. DummyCheck costs the same as a real
// check so unknown accounts cannot be detected by timing (V6.3.8). A Hasher
// bounds the number of concurrent hashes (default 2), since each holds 46 MiB.
// Passwords are hashed and verified exactly as received, without trimming,
// case folding, normalisation or truncation (V6.2.8); they must be 15 to 256
// characters (code points; V6.2.1, V6.2.9), may contain any character, have
// no composition rules (V6.2.5),
// and are checked against a blocklist (V6.2.4; the embedded list is a starter
// list, extend it with LoadBlocklist) and against context words (V6.2.11).
// Policy violations are *Error values with stable codes such as
// "password.too_short" for translation.
//
// Second factors (V6.5): TOTP per RFC 6238 (SHA-1, 6 digits, 30 s, 160-bit
// secret) with ±1 step skew and replay protection by step: the caller stores
// the last accepted step. Recovery codes carry 125 bits each, so plain
// SHA-256 storage is permitted (V6.5.2); matching is constant-time and
// forgiving of case, spaces and dashes. Single use is enforced by the caller.
//
// Secrets (V7.2.3): NewSecret returns 256-bit random tokens for sessions and
// one-time links; only their SHA-256 is stored. API tokens have the form
// "nrm_<id>_<secret>": the id is a lookup key, the hash covers the whole
// token and is compared with EqualHash in constant time.
//
// Throttling (V6.3.1): Throttle decides, per key, whether an attempt may go
// through and reserves it before the expensive check (5 at once, then an
// exponential delay capped at 30 s; the count expires 15 minutes after the
// last attempt). The caller keeps each key's Attempts in its database. It
// never locks an account out permanently and behaves identically for
// existing and non-existing accounts.
//
// WebAuthn (V6.3.7, V6.7.2): NewWebAuthn configures go-webauthn with user
// verification required, discoverable credentials preferred, attestation
// "none" and server-enforced ceremony timeouts. User adapts an account to the
// library; session data and credentials are (de)serialised as JSON for the
// caller to store.
package auth
