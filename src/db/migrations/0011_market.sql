-- The local energy market (src/market): one market per community, orders per slot, clearing results and
-- settlements. Energy in Wh and money in settlement-token base units are integers (numeric(20,0) for
-- uint64 values, unconstrained numeric for signed int256 values).

-- Mirror of Market's MarketOpened, TariffsSet and RewardRateSet events. market = the community's
-- address left-padded to 32 bytes.
create table markets (
  market text primary key check (market ~ '^0x[0-9a-f]{64}$'),
  community text not null check (community ~ '^0x[0-9a-f]{40}$'),
  operator text not null check (operator ~ '^0x[0-9a-f]{40}$'),
  grid_operator text not null check (grid_operator ~ '^0x[0-9a-f]{40}$'),
  slot_seconds integer not null check (slot_seconds > 0),
  gate_closure_seconds integer not null check (gate_closure_seconds >= 0),
  retail_price numeric(20, 0) not null default 0,
  feed_in_price numeric(20, 0) not null default 0,
  reward_rate numeric(20, 0) not null default 0,
  contract text not null check (contract ~ '^0x[0-9a-f]{40}$'),
  opened_block bigint
);

-- Signed orders as received. digest = the EIP-712 digest (the order's id). received_at in Unix
-- milliseconds of the node's clock; clearing input order = received_at, then digest.
-- status: open → cancelled | expired | excluded | included (the slot's clearing decided).
create table market_orders (
  digest text primary key check (digest ~ '^0x[0-9a-f]{64}$'),
  market text not null check (market ~ '^0x[0-9a-f]{64}$'),
  slot bigint not null,
  side smallint not null check (side in (0, 1)),
  account text not null check (account ~ '^0x[0-9a-f]{40}$'),
  device text not null check (device ~ '^0x[0-9a-f]{64}$'),
  energy_wh numeric(20, 0) not null check (energy_wh > 0),
  limit_price numeric(20, 0) not null check (limit_price > 0),
  nonce numeric(20, 0) not null,
  expiry bigint not null,
  signature text not null check (signature ~ '^0x[0-9a-f]+$'),
  received_at bigint not null,
  status text not null default 'open'
    check (status in ('open', 'cancelled', 'expired', 'excluded', 'included')),
  reason text,
  -- Position in the clearing input (included orders only).
  input_index integer,
  cancel_signature text,
  unique (account, nonce)
);
create index market_orders_slot_idx on market_orders (market, slot, status);
create index market_orders_account_idx on market_orders (account, status);

-- One row per cleared slot: the clearing result (written by the clearing job, or from
-- ClearingCommitted on a node that does not operate the market) and its settlement.
create table market_slots (
  market text not null check (market ~ '^0x[0-9a-f]{64}$'),
  slot bigint not null,
  mechanism text not null default 'pay-as-clear',
  rule text not null default 'midpoint',
  -- null: no crossing (nothing traded) under pay-as-clear; 0 on chain.
  price numeric(20, 0),
  volume_wh numeric(20, 0) not null default 0,
  orders_root text not null check (orders_root ~ '^0x[0-9a-f]{64}$'),
  trades_root text not null check (trades_root ~ '^0x[0-9a-f]{64}$'),
  order_count integer not null default 0,
  trade_count integer not null default 0,
  locked numeric not null default 0,
  clear_tx text check (clear_tx ~ '^0x[0-9a-f]{64}$'),
  cleared_block bigint,
  settlement_root text check (settlement_root ~ '^0x[0-9a-f]{64}$'),
  line_count integer,
  settle_tx text check (settle_tx ~ '^0x[0-9a-f]{64}$'),
  settled_block bigint,
  primary key (market, slot)
);

-- Trades of a cleared slot, in the order the clearing returned them (the trades root's order).
create table market_trades (
  market text not null,
  slot bigint not null,
  idx integer not null check (idx >= 0),
  buy_digest text not null check (buy_digest ~ '^0x[0-9a-f]{64}$'),
  sell_digest text not null check (sell_digest ~ '^0x[0-9a-f]{64}$'),
  energy_wh numeric(20, 0) not null check (energy_wh > 0),
  price numeric(20, 0) not null,
  primary key (market, slot, idx)
);

-- Settlement lines of a settled slot, in the order given to `settle` (the settlement root's order);
-- a line's proof is computed on read. corrected_wh and correction_delta: a dispute's SettlementCorrected.
create table market_settlement_lines (
  market text not null,
  slot bigint not null,
  idx integer not null check (idx >= 0),
  account text not null check (account ~ '^0x[0-9a-f]{40}$'),
  device text not null check (device ~ '^0x[0-9a-f]{64}$'),
  side smallint not null check (side in (0, 1, 2)),
  traded_wh numeric(20, 0) not null,
  metered_wh numeric(20, 0) not null,
  delivered_wh numeric(20, 0) not null,
  trade_value numeric not null,
  grid_value numeric not null,
  reward_wh numeric(20, 0) not null,
  corrected_wh numeric(20, 0),
  correction_delta numeric,
  primary key (market, slot, idx)
);
create index market_settlement_lines_account_idx on market_settlement_lines (account);
