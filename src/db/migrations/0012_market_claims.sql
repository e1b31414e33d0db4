-- Rewards are claimed by proof after settlement (Market.claimRewards): each settlement line records the
-- RewardsClaimed event that minted its reward (transaction, log index, amount).
alter table market_settlement_lines add column reward_claimed_tx text check (reward_claimed_tx ~ '^0x[0-9a-f]{64}$');
alter table market_settlement_lines add column reward_claim_log integer;
alter table market_settlement_lines add column reward_amount numeric;
