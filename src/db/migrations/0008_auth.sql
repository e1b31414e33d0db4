-- Sign-in and API keys (src/auth): secrets are never stored, only their sha256 (hex).

-- API keys `glk_<id>_<secret>`: bindings are the key's own roles and scopes (JSON array of
-- { role, scope }); account is the creating account's address, null for keys made by the admin.
create table api_keys (
  id text primary key check (id ~ '^[0-9a-f]{16}$'),
  name text not null,
  secret_hash text not null check (secret_hash ~ '^[0-9a-f]{64}$'),
  account text check (account ~ '^0x[0-9a-f]{40}$'),
  created_by text not null,
  bindings jsonb not null,
  created_at timestamptz not null default now(),
  rotated_at timestamptz,
  last_used_at timestamptz,
  revoked_at timestamptz
);
create index api_keys_account_idx on api_keys (account);

-- Sessions of accounts signed in with Sign-In with Ethereum (EIP-4361): `gls_<secret>`, keyed by the
-- secret's sha256. A session lasts until expires_at; refresh makes a new one until refresh_until.
create table sessions (
  token_hash text primary key check (token_hash ~ '^[0-9a-f]{64}$'),
  id text not null unique check (id ~ '^[0-9a-f]{16}$'),
  account text not null check (account ~ '^0x[0-9a-f]{40}$'),
  created_at timestamptz not null default now(),
  expires_at timestamptz not null,
  refresh_until timestamptz not null,
  revoked_at timestamptz
);
create index sessions_account_idx on sessions (account);

-- Sign-in nonces: single use, valid until expires_at.
create table siwe_nonces (
  nonce text primary key check (nonce ~ '^[0-9A-Za-z]{8,64}$'),
  address text not null check (address ~ '^0x[0-9a-f]{40}$'),
  created_at timestamptz not null default now(),
  expires_at timestamptz not null,
  used_at timestamptz
);
