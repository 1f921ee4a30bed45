// Drives every method of the official Wix JavaScript SDK modules against a running implementation
// (normally `conformance serve`) the way an app would, and prints one line per exported method:
//
//   ok             <module>.<method>  <what was checked>
//   fail           <module>.<method>  <why> | <last request> -> <answer>
//   not-exercised  <module>.<method>  <reason>
//
// Methods are found from the modules' exports, so a method added by a newer SDK shows up as
// not-exercised instead of being silently skipped. Exit code 1 when any method fails.
//
// Usage (from tests/sdk): npm ci; conformance serve --port 8080 &
//   CONFORMANCE_BASE_URL=http://127.0.0.1:8080 node exercise.mjs
// The flow also works against a server that already holds data (e.g. a second run).
//
// Environment:
//   CONFORMANCE_BASE_URL   host root of the implementation, e.g. http://127.0.0.1:8080 (required)
//   CONFORMANCE_API_KEY    value of the Authorization header (default: conformance-local)
//   CONFORMANCE_MEMBER_IDS comma-separated member ids for the badge methods (default: random GUIDs)
//   CONFORMANCE_RUN_TAG    prefix of every created name (default: random)
//   CONFORMANCE_SDK_TRACE  file to write every exchange to, one JSON object per line
//   CONFORMANCE_WEBHOOK_PORT        port on 127.0.0.1 where this script receives the implementation's event
//                                   webhooks (`conformance serve --webhook-url http://127.0.0.1:PORT/`)
//   CONFORMANCE_WEBHOOK_PUBLIC_KEY  the public key (SPKI PEM) that verifies them (`--webhook-public-key-out`)
//   CONFORMANCE_WEBHOOK_WAIT        seconds to wait for the last events after the flows (default 10)
// With the two webhook variables every exported event handler (onTierCreated, …, onBadgeAssigned) is
// registered on an AppStrategy client, every delivery goes through `client.webhooks.process(body)`, and each
// handler must fire with the entity (or action body) the API answered; without them handlers are not exercised.

import { randomBytes, randomUUID } from 'node:crypto';
import { appendFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { ApiKeyStrategy, AppStrategy, createClient } from '@wix/sdk';
import * as badgesModule from '@wix/auto_sdk_members_badges';
import * as badgeAssignmentsModule from '@wix/auto_sdk_members_badge-assignments';
import * as badgesV4Module from '@wix/auto_sdk_members_badges-v-2';
import * as rewardsModule from '@wix/auto_sdk_loyalty_rewards';
import * as tiersModule from '@wix/auto_sdk_loyalty_tiers';

const MODULES = {
  tiers: tiersModule, rewards: rewardsModule, badges: badgesModule,
  badgesV4: badgesV4Module, badgeAssignments: badgeAssignmentsModule,
};
const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const MAX_PAGES = 200;

const BASE_URL = (process.env.CONFORMANCE_BASE_URL ?? '').replace(/\/+$/, '');
if (!BASE_URL) {
  console.error('CONFORMANCE_BASE_URL is not set (host root of the implementation, e.g. http://127.0.0.1:8080)');
  process.exit(2);
}
const TAG = process.env.CONFORMANCE_RUN_TAG || `sdk${randomBytes(3).toString('hex')}`;
const MEMBER_IDS = (process.env.CONFORMANCE_MEMBER_IDS || '').split(',').map((s) => s.trim()).filter(Boolean);
while (MEMBER_IDS.length < 2) MEMBER_IDS.push(randomUUID());
const TRACE = process.env.CONFORMANCE_SDK_TRACE;
if (TRACE) writeFileSync(TRACE, '');

// transport -----------------------------------------------------------------------------------------
// The SDK always builds https://www.wixapis.com/... URLs (createClient's `host.apiBaseUrl` only swaps the
// host name and keeps https), so the client gets a fetch that re-roots each URL on the local base URL.
// Everything else (headers, bodies, query strings) is exactly what the SDK produced.
const exchanges = [];

async function localFetch(input, init = {}) {
  const original = new URL(typeof input === 'string' || input instanceof URL ? input : input.url);
  const url = BASE_URL + original.pathname + original.search;
  const headers = Object.fromEntries(Object.entries(init.headers ?? {}).map(([k, v]) =>
    [k, k.toLowerCase() === 'authorization' ? '[REDACTED]' : v]));
  const entry = {
    method: init.method ?? 'GET',
    path: original.pathname + original.search,
    headers,
    body: init.body === undefined ? undefined : safeJson(init.body),
  };
  exchanges.push(entry);
  try {
    const response = await fetch(url, init);
    entry.status = response.status;
    entry.response = safeJson(await response.clone().text());
    return response;
  } catch (error) {
    entry.status = 'no answer';
    entry.response = String(error?.cause?.message ?? error?.message ?? error);
    throw error;
  } finally {
    if (TRACE) appendFileSync(TRACE, JSON.stringify(entry) + '\n');
  }
}

function safeJson(text) {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

const client = createClient({
  modules: MODULES,
  auth: ApiKeyStrategy({ apiKey: process.env.CONFORMANCE_API_KEY || 'conformance-local' }),
  fetch: localFetch,
});
// An app pointing the SDK at its own API host: the SDK's `_` host mapping then sends the Badge Assignments
// calls to /badges/v4/badge-assignments… (AMB4-1), the alias an implementation serves for such clients.
const CUSTOM_HOST = 'api.example.test';
const customHostClient = createClient({
  modules: { badgeAssignments: badgeAssignmentsModule },
  auth: ApiKeyStrategy({ apiKey: process.env.CONFORMANCE_API_KEY || 'conformance-local' }),
  fetch: localFetch,
  host: { apiBaseUrl: CUSTOM_HOST },
});

// bookkeeping ---------------------------------------------------------------------------------------
/** method key "module.method" -> { ok: [what], fail: [why] } */
const outcomes = new Map();

class CheckFailed extends Error {}

function check(condition, message) {
  if (!condition) throw new CheckFailed(message);
}

function describeLast(since) {
  const mine = exchanges.slice(since);
  const last = mine[mine.length - 1];
  if (!last) return 'no request was sent';
  const body = last.body === undefined ? '' : ` ${clip(JSON.stringify(last.body))}`;
  return `${last.method} ${last.path}${body} -> ${last.status} ${clip(JSON.stringify(last.response))}`;
}

function clip(text, max = 400) {
  const flat = String(text ?? '').replace(/\s+/g, ' ');
  return flat.length > max ? `${flat.slice(0, max)}…` : flat;
}

function record(key, passed, text) {
  if (!outcomes.has(key)) outcomes.set(key, { ok: [], fail: [] });
  outcomes.get(key)[passed ? 'ok' : 'fail'].push(text);
}

/**
 * One step of the app's flow, attributed to one SDK method. Returns the step's value, or `undefined`
 * when it failed (later steps that need it are then skipped and say so).
 */
async function step(key, what, fn) {
  const since = exchanges.length;
  try {
    const value = await fn();
    record(key, true, what);
    return value ?? true;
  } catch (error) {
    const why = error instanceof CheckFailed ? error.message : `unexpected SDK error: ${sdkErrorText(error)}`;
    record(key, false, `${what}: ${why} | ${describeLast(since)}`);
    return undefined;
  }
}

function sdkStatus(error) {
  return error?.response?.status ?? error?.status;
}

function sdkErrorText(error) {
  const status = sdkStatus(error);
  const message = error?.response?.data?.message ?? error?.message ?? String(error);
  return `${status ?? 'no status'} ${clip(message, 200)}`;
}

/** The call must fail with an SDK error carrying one of `statuses` (how an app sees 404/409). */
async function expectSdkError(call, statuses, what) {
  try {
    await call();
  } catch (error) {
    const status = sdkStatus(error);
    check(statuses.includes(status), `${what}: expected an SDK error with HTTP ${statuses.join('/')}, got ${sdkErrorText(error)}`);
    return status;
  }
  throw new CheckFailed(`${what}: expected an SDK error with HTTP ${statuses.join('/')}, the call succeeded`);
}

let counter = 0;
function name(label) {
  counter += 1;
  return `${TAG}-${counter} ${label}`.slice(0, 50);
}

const pointsBase = 1_000_000 + Math.floor(Math.random() * 7_000_000);
function points() {
  counter += 1;
  return pointsBase + counter * 7;
}

function isDate(value) {
  return value instanceof Date && !Number.isNaN(value.getTime());
}

function incremented(previous) {
  return String(Number(previous) + 1);
}

// tiers ---------------------------------------------------------------------------------------------
async function exerciseTiers() {
  const t = client.tiers;
  let original = await step('tiers.getTiersProgramSettings', 'read the settings (404 when none exist, AMB-14)', async () => {
    try {
      const { programSettings } = await t.getTiersProgramSettings();
      check(typeof programSettings?.revision === 'string', `programSettings.revision is a string, got ${JSON.stringify(programSettings?.revision)}`);
      return programSettings;
    } catch (error) {
      if (error instanceof CheckFailed) throw error;
      check(sdkStatus(error) === 404, `expected settings or a 404 SDK error, got ${sdkErrorText(error)}`);
      return null;
    }
  });
  if (original === true) original = null;

  if (original === null) {
    original = await step('tiers.createTiersProgramSettings', 'create settings: revision "1", fields echoed', async () => {
      const { programSettings } = await t.createTiersProgramSettings({
        status: 'DISABLED',
        rollingWindow: { durationInMonths: 12 },
        baseTierDefinition: { name: name('Base'), description: 'Base tier' },
      });
      check(programSettings?.revision === '1', `revision "1", got ${JSON.stringify(programSettings?.revision)}`);
      check(programSettings.status === 'DISABLED', `status DISABLED echoed, got ${programSettings.status}`);
      check(programSettings.rollingWindow?.durationInMonths === 12, 'rollingWindow.durationInMonths 12 echoed');
      return programSettings;
    });
  } else if (original) {
    await step('tiers.createTiersProgramSettings', 'settings exist: creating again is an SDK error', async () => {
      await expectSdkError(() => t.createTiersProgramSettings({ status: 'DISABLED', rollingWindow: { durationInMonths: 12 } }),
        [409, 400], 'second createTiersProgramSettings');
    });
  }

  if (original) {
    await step('tiers.getTiersProgramSettings', 'read back the settings', async () => {
      const { programSettings } = await t.getTiersProgramSettings();
      check(programSettings?.revision === original.revision, `same revision ${original.revision}, got ${programSettings?.revision}`);
    });
    await step('tiers.getTiersProgram', 'program carries the same settings and a tiers array', async () => {
      const program = await t.getTiersProgram();
      check(Array.isArray(program.tiers), 'tiers is an array');
      check(program.programSettings?.revision === original.revision, `programSettings.revision ${original.revision}, got ${program.programSettings?.revision}`);
    });
    // GET -> spread -> change -> update, then put the original status back.
    const paused = await step('tiers.updateTiersProgramSettings', 'GET -> spread -> update: status PAUSED, revision +1', async () => {
      const { programSettings: current } = await t.getTiersProgramSettings();
      const { programSettings } = await t.updateTiersProgramSettings({ ...current, status: 'PAUSED' });
      check(programSettings?.status === 'PAUSED', `status PAUSED, got ${programSettings?.status}`);
      check(programSettings.revision === incremented(current.revision), `revision ${current.revision} -> ${incremented(current.revision)}, got ${programSettings.revision}`);
      return programSettings;
    });
    if (paused) {
      await step('tiers.updateTiersProgramSettings', 'restore the original status and base tier', async () => {
        const { programSettings } = await t.updateTiersProgramSettings({
          ...paused, status: original.status, baseTierDefinition: original.baseTierDefinition ?? {},
        });
        check(programSettings?.status === original.status, `status restored to ${original.status}`);
      });
    }
  } else {
    for (const method of ['createTiersProgramSettings', 'getTiersProgram', 'updateTiersProgramSettings']) {
      record(`tiers.${method}`, false, 'needs program settings, which could not be read or created');
    }
  }

  const created = await step('tiers.createTier', 'create: GUID _id, revision "1", fields echoed, dates', async () => {
    const tierName = name('Gold');
    const required = points();
    const tier = await t.createTier({
      tierDefinition: { name: tierName, description: 'SDK check', icon: 'https://static.example.com/gold.svg' },
      requiredPoints: required,
    });
    check(GUID.test(tier?._id ?? ''), `_id is a GUID, got ${JSON.stringify(tier?._id)}`);
    check(tier.revision === '1', `revision "1", got ${JSON.stringify(tier.revision)}`);
    check(tier.tierDefinition?.name === tierName, 'name echoed');
    check(tier.requiredPoints === required, 'requiredPoints echoed');
    check(isDate(tier._createdDate) && isDate(tier._updatedDate), '_createdDate/_updatedDate parse as dates');
    return tier;
  });
  if (created) {
    await step('tiers.createTier', 'a duplicate name is an SDK error (409/400)', async () => {
      await expectSdkError(() => t.createTier({ tierDefinition: { name: created.tierDefinition.name }, requiredPoints: points() }),
        [409, 400], 'createTier with an existing name');
    });
  }

  const bulk = await step('tiers.bulkCreateTiers', 'bulk create 2 (one with a wix:image icon): both succeed, items have ids', async () => {
    // A wix:image URI goes out as a full Image object, read-only height/width/filename included (§1.9).
    const icon = 'wix:image://v1/11062b_conformance~mv2.png/silver.png#originWidth=64&originHeight=64';
    const result = await t.bulkCreateTiers([
      { tierDefinition: { name: name('Silver'), icon }, requiredPoints: points() },
      { tierDefinition: { name: name('Bronze') }, requiredPoints: points() },
    ]);
    const items = (result.results ?? []).filter((r) => r.itemMetadata?.success).map((r) => r.item);
    check(items.length === 2, `2 successful results, got ${items.length}`);
    check(items.every((i) => GUID.test(i?._id ?? '') && i.revision === '1'), 'each item has a GUID _id and revision "1"');
    check(result.bulkActionMetadata?.totalSuccesses === 2, `totalSuccesses 2, got ${result.bulkActionMetadata?.totalSuccesses}`);
    const silver = items.find((i) => i.tierDefinition?.name?.endsWith('Silver'))?.tierDefinition?.icon ?? '';
    check(silver.startsWith('wix:image://v1/11062b_conformance~mv2.png/'), `the wix:image icon comes back as the same media item, got ${JSON.stringify(silver)}`);
    return items;
  });

  if (!created) {
    for (const method of ['getTier', 'updateTier', 'listTiers', 'deleteTier']) {
      record(`tiers.${method}`, false, 'needs a tier, but createTier failed');
    }
    return;
  }
  const fetched = await step('tiers.getTier', 'get returns the created tier', async () => {
    const tier = await t.getTier(created._id);
    check(tier?._id === created._id && tier.revision === '1', `same _id and revision "1", got ${tier?._id} ${tier?.revision}`);
    check(tier.tierDefinition?.name === created.tierDefinition.name, 'same name');
    return tier;
  });
  const updated = await step('tiers.updateTier', 'GET -> spread -> update: revision "1" -> "2"', async () => {
    const current = fetched && fetched !== true ? fetched : created;
    const newPoints = points();
    const tier = await t.updateTier(created._id, {
      ...current,
      requiredPoints: newPoints,
      tierDefinition: { ...current.tierDefinition, description: 'updated by the SDK' },
    });
    check(tier?.revision === '2', `revision "2", got ${JSON.stringify(tier?.revision)}`);
    check(tier.requiredPoints === newPoints, 'new requiredPoints returned');
    check(tier.tierDefinition?.description === 'updated by the SDK', 'new description returned');
    check(tier._id === created._id, '_id unchanged');
    return tier;
  });
  await step('tiers.updateTier', 'a stale revision is an SDK error (409)', async () => {
    await expectSdkError(() => t.updateTier(created._id, { revision: '1', requiredPoints: points() }), [409],
      'updateTier with revision "1" after an update');
  });
  await step('tiers.listTiers', 'list contains the created tiers, every entry has a GUID _id', async () => {
    const { tiers } = await t.listTiers();
    check(Array.isArray(tiers), 'tiers is an array');
    check(tiers.every((tier) => GUID.test(tier._id ?? '')), 'every listed tier has a GUID _id (no base tier)');
    const ids = new Set(tiers.map((tier) => tier._id));
    const wanted = [created._id, ...(Array.isArray(bulk) ? bulk.map((i) => i._id) : [])];
    check(wanted.every((id) => ids.has(id)), 'created tiers are listed');
    if (updated) check(tiers.find((tier) => tier._id === created._id)?.revision === '2', 'listed revision is "2"');
  });
  await step('tiers.getTiersProgram', 'program lists the created tiers', async () => {
    const program = await t.getTiersProgram();
    check((program.tiers ?? []).some((tier) => tier._id === created._id), 'created tier is in the program');
  });
  const revision = updated && updated !== true ? updated.revision : '1';
  const deleted = await step('tiers.deleteTier', 'delete with the current revision', async () => {
    const result = await t.deleteTier(created._id, revision);
    check(result === undefined, 'deleteTier resolves to nothing');
  });
  if (deleted) {
    await step('tiers.getTier', 'get after delete is a 404 SDK error', async () => {
      await expectSdkError(() => t.getTier(created._id), [404], 'getTier after deleteTier');
    });
  }
  for (const item of Array.isArray(bulk) ? bulk : []) {
    await step('tiers.deleteTier', 'delete a bulk-created tier', () => t.deleteTier(item._id, item.revision));
  }
}

// rewards -------------------------------------------------------------------------------------------
const extraRewards = [];

function couponReward(rewardName, cost) {
  return {
    name: rewardName,
    active: true,
    type: 'COUPON_REWARD',
    couponReward: { freeShipping: { configsByTier: [{ costInPoints: cost }] } },
  };
}

async function walk(fetchPage, what) {
  const seen = [];
  let page = await fetchPage(undefined);
  for (let i = 0; i < MAX_PAGES; i += 1) {
    const rewards = page.rewards ?? [];
    check(page.pagingMetadata?.count === undefined || page.pagingMetadata.count === rewards.length,
      `${what}: pagingMetadata.count ${page.pagingMetadata?.count} equals the page size ${rewards.length}`);
    seen.push(...rewards.map((r) => r._id));
    const next = page.pagingMetadata?.cursors?.next;
    if (!next) return seen;
    page = await fetchPage(next);
  }
  throw new CheckFailed(`${what}: more than ${MAX_PAGES} pages, the cursor walk does not end`);
}

async function exerciseRewards() {
  const r = client.rewards;
  const created = await step('rewards.createReward', 'create: GUID _id, revision "1", fields echoed', async () => {
    const rewardName = name('Free shipping');
    const reward = await r.createReward(couponReward(rewardName, 20));
    check(GUID.test(reward?._id ?? ''), `_id is a GUID, got ${JSON.stringify(reward?._id)}`);
    check(reward.revision === '1', `revision "1", got ${JSON.stringify(reward.revision)}`);
    check(reward.name === rewardName && reward.type === 'COUPON_REWARD' && reward.active === true, 'name/type/active echoed');
    check(reward.couponReward?.freeShipping?.configsByTier?.[0]?.costInPoints === 20, 'configsByTier echoed');
    check(isDate(reward._createdDate), '_createdDate parses as a date');
    return reward;
  });
  await step('rewards.createReward', 'create a DISCOUNT_AMOUNT reward', async () => {
    const reward = await r.createReward({
      name: name('Discount'), active: true, type: 'DISCOUNT_AMOUNT',
      discountAmount: { configsByTier: [{ amount: '5', costInPoints: 50 }] },
    });
    check(GUID.test(reward?._id ?? '') && reward.type === 'DISCOUNT_AMOUNT', 'GUID _id and type DISCOUNT_AMOUNT');
    extraRewards.push(reward);
  });
  const bulk = await step('rewards.bulkCreateRewards', 'bulk create 3: all succeed, items have ids', async () => {
    const result = await r.bulkCreateRewards([1, 2, 3].map((n) => couponReward(name(`Bulk ${n}`), 10 + n)));
    const items = (result.results ?? []).filter((x) => x.itemMetadata?.success).map((x) => x.item);
    check(items.length === 3, `3 successful results, got ${items.length}`);
    check(items.every((i) => GUID.test(i?._id ?? '') && i.revision === '1'), 'each item has a GUID _id and revision "1"');
    check(result.bulkActionMetadata?.totalSuccesses === 3, `totalSuccesses 3, got ${result.bulkActionMetadata?.totalSuccesses}`);
    return items;
  });
  const ours = [created, ...extraRewards, ...(Array.isArray(bulk) ? bulk : [])].filter((x) => x && x !== true);

  await step('rewards.listRewards', 'cursor walk with limit 2 visits every created reward once', async () => {
    const seen = await walk((cursor) => r.listRewards({ cursorPaging: cursor ? { limit: 2, cursor } : { limit: 2 } }), 'listRewards');
    check(new Set(seen).size === seen.length, 'no reward is listed twice across pages');
    const missing = ours.filter((x) => !seen.includes(x._id));
    check(missing.length === 0, `created rewards listed; missing ${missing.map((x) => x._id).join(', ')}`);
  });
  await step('rewards.queryRewards', 'filter by name prefix, limit 2, follow-ups send only the cursor', async () => {
    const seen = await walk((cursor) => r.queryRewards(cursor
      ? { cursorPaging: { cursor } }
      : { filter: { name: { $startsWith: TAG } }, cursorPaging: { limit: 2 } }), 'queryRewards');
    check(new Set(seen).size === seen.length, 'no reward is returned twice across pages');
    const wanted = new Set(ours.map((x) => x._id));
    check(seen.length === wanted.size && seen.every((id) => wanted.has(id)),
      `exactly the ${wanted.size} rewards named ${TAG}…, got ${seen.length}`);
  });
  await step('rewards.bulkGetRewards', 'rewardsInSite contains the created rewards', async () => {
    const { rewardsInSite } = await r.bulkGetRewards();
    check(Array.isArray(rewardsInSite) && rewardsInSite.length > 0, 'rewardsInSite is a non-empty array');
    const ids = new Set(rewardsInSite.flatMap((site) => (site.rewards ?? []).map((x) => x._id)));
    check(ours.every((x) => ids.has(x._id)), 'created rewards are in rewardsInSite');
    check(rewardsInSite.every((site) => typeof site.metaSiteId === 'string'), 'every entry has a metaSiteId');
  });

  if (!created) {
    for (const method of ['getReward', 'updateReward', 'deleteReward']) {
      record(`rewards.${method}`, false, 'needs a reward, but createReward failed');
    }
    return;
  }
  const fetched = await step('rewards.getReward', 'get returns the created reward', async () => {
    const reward = await r.getReward(created._id);
    check(reward?._id === created._id && reward.revision === '1', `same _id and revision "1", got ${reward?._id} ${reward?.revision}`);
    check(reward.name === created.name, 'same name');
    return reward;
  });
  const updated = await step('rewards.updateReward', 'GET -> spread -> update: revision "1" -> "2"', async () => {
    const current = fetched && fetched !== true ? fetched : created;
    const newName = name('Renamed');
    const answer = await r.updateReward(created._id, { ...current, name: newName });
    const reward = answer?.reward ?? answer;
    check(reward?.revision === '2', `revision "2", got ${JSON.stringify(reward?.revision)}`);
    check(reward.name === newName, 'new name returned');
    check(reward._id === created._id && reward.type === 'COUPON_REWARD', '_id and type unchanged');
    return reward;
  });
  await step('rewards.updateReward', 'a stale revision is an SDK error (409)', async () => {
    await expectSdkError(() => r.updateReward(created._id, { ...created, revision: '1', name: name('Stale') }), [409],
      'updateReward with revision "1" after an update');
  });
  const revision = updated && updated !== true ? updated.revision : '1';
  const deleted = await step('rewards.deleteReward', 'delete with the current revision', async () => {
    const result = await r.deleteReward(created._id, revision);
    check(result === undefined, 'deleteReward resolves to nothing');
  });
  if (deleted) {
    await step('rewards.getReward', 'get after delete is a 404 SDK error', async () => {
      await expectSdkError(() => r.getReward(created._id), [404], 'getReward after deleteReward');
    });
  }
  for (const item of ours.filter((x) => x._id !== created._id)) {
    await step('rewards.deleteReward', 'delete another created reward', () => r.deleteReward(item._id, item.revision));
  }
}

// badges --------------------------------------------------------------------------------------------
async function listAllBadges(pageSize) {
  const b = client.badges;
  const seen = [];
  for (let offset = 0, i = 0; i < MAX_PAGES; i += 1) {
    const { badges, metadata } = await b.listBadges({ paging: { limit: pageSize, offset } });
    check(Array.isArray(badges), 'badges is an array');
    check(badges.length <= pageSize, `at most ${pageSize} badges per page, got ${badges.length}`);
    seen.push(...badges);
    if (badges.length < pageSize || (metadata?.total !== undefined && metadata.total !== null && seen.length >= metadata.total)) {
      return seen;
    }
    offset += badges.length;
  }
  throw new CheckFailed(`listBadges: more than ${MAX_PAGES} pages`);
}

async function exerciseBadges() {
  const b = client.badges;
  const [m1, m2] = MEMBER_IDS;
  const created = await step('badges.createBadge', 'create: GUID _id, title echoed, slug, dates', async () => {
    const title = name('Top Contributor');
    const badge = await b.createBadge({ title, description: 'SDK check', backgroundColor: '#796EFF', textColor: '#FFFFFF' });
    check(GUID.test(badge?._id ?? ''), `_id is a GUID, got ${JSON.stringify(badge?._id)}`);
    check(badge.title === title, 'title echoed');
    check(typeof badge.slug === 'string' && badge.slug.length > 0, 'slug is a non-empty string');
    check(isDate(badge._createdDate), '_createdDate parses as a date');
    return badge;
  });
  const second = await step('badges.createBadge', 'create a second badge', async () => {
    const badge = await b.createBadge({ title: name('Helper'), backgroundColor: '#000000', textColor: '#FFFFFF' });
    check(GUID.test(badge?._id ?? ''), 'GUID _id');
    return badge;
  });
  if (!created) {
    for (const method of ['getBadge', 'updateBadge', 'listBadges', 'assignBadge', 'listMembersByBadge',
      'listBadgesPerMember', 'getMemberCountsPerBadge', 'unassignBadge', 'updateBadgesDisplayOrder', 'deleteBadge']) {
      record(`badges.${method}`, false, 'needs a badge, but createBadge failed');
    }
    return;
  }
  await step('badges.getBadge', 'get returns the created badge', async () => {
    const badge = await b.getBadge(created._id);
    check(badge?._id === created._id && badge.title === created.title && badge.slug === created.slug, 'same _id, title, slug');
  });
  await step('badges.updateBadge', 'partial update: title and slug change, colors kept', async () => {
    const title = name('Renamed Badge');
    const badge = await b.updateBadge(created._id, { title });
    check(badge?._id === created._id && badge.title === title, 'new title returned');
    check(badge.slug && badge.slug !== created.slug, `slug follows the title, got ${badge.slug}`);
    check(badge.backgroundColor === created.backgroundColor && badge.description === created.description, 'unsent fields kept');
  });
  await step('badges.listBadges', 'offset walk with limit 1 lists every created badge once', async () => {
    const all = await listAllBadges(1);
    const ids = all.map((x) => x._id);
    check(new Set(ids).size === ids.length, 'no badge is listed twice');
    check(ids.includes(created._id) && (!second || ids.includes(second._id)), 'created badges are listed');
  });
  const assigned = await step('badges.assignBadge', 'assign two members: both returned', async () => {
    const { memberIds } = await b.assignBadge(created._id, [m1, m2]);
    check(Array.isArray(memberIds) && memberIds.includes(m1) && memberIds.includes(m2), `memberIds contains both, got ${JSON.stringify(memberIds)}`);
  });
  if (assigned) {
    await step('badges.listMembersByBadge', 'offset walk with limit 1 finds both members', async () => {
      const seen = [];
      for (let offset = 0, i = 0; i < MAX_PAGES; i += 1) {
        const { memberIds } = await b.listMembersByBadge(created._id, { paging: { limit: 1, offset } });
        check(Array.isArray(memberIds), 'memberIds is an array');
        seen.push(...memberIds);
        if (memberIds.length < 1) break;
        offset += memberIds.length;
      }
      check(seen.length === 2 && seen.includes(m1) && seen.includes(m2), `exactly both members, got ${JSON.stringify(seen)}`);
    });
    await step('badges.listBadgesPerMember', 'the member lists the badge', async () => {
      const { memberBadgeIds } = await b.listBadgesPerMember([m1]);
      const entry = (memberBadgeIds ?? []).find((x) => x.memberId === m1);
      check(entry && (entry.badgeIds ?? []).includes(created._id), `member ${m1} has the badge, got ${JSON.stringify(memberBadgeIds)}`);
    });
    await step('badges.getMemberCountsPerBadge', 'count is 2 for the badge', async () => {
      const { badgeMemberCounts } = await b.getMemberCountsPerBadge();
      const entry = (badgeMemberCounts ?? []).find((x) => x.badgeId === created._id);
      check(entry?.memberCount === 2, `memberCount 2, got ${JSON.stringify(entry)}`);
    });
    await step('badges.unassignBadge', 'unassign one member: the other stays', async () => {
      const result = await b.unassignBadge(created._id, [m1]);
      check(result === undefined, 'unassignBadge resolves to nothing');
      const { memberIds } = await b.listMembersByBadge(created._id, {});
      check(!memberIds.includes(m1) && memberIds.includes(m2), `only ${m2} remains, got ${JSON.stringify(memberIds)}`);
    });
  } else {
    for (const method of ['listMembersByBadge', 'listBadgesPerMember', 'getMemberCountsPerBadge', 'unassignBadge']) {
      record(`badges.${method}`, false, 'needs an assignment, but assignBadge failed');
    }
  }
  if (second) {
    await step('badges.updateBadgesDisplayOrder', 'reorder all badges, answer in that order, then restore', async () => {
      const before = (await listAllBadges(100)).map((x) => x._id);
      const wanted = [second._id, created._id, ...before.filter((id) => id !== second._id && id !== created._id)];
      const { badges } = await b.updateBadgesDisplayOrder(wanted);
      check(JSON.stringify(badges.map((x) => x._id)) === JSON.stringify(wanted), 'badges come back in the requested order');
      const after = (await listAllBadges(100)).map((x) => x._id);
      check(JSON.stringify(after) === JSON.stringify(wanted), 'listBadges follows the new order');
      await b.updateBadgesDisplayOrder(before);
    });
  } else {
    record('badges.updateBadgesDisplayOrder', false, 'needs two badges, but the second createBadge failed');
  }
  const deleted = await step('badges.deleteBadge', 'delete', async () => {
    const result = await b.deleteBadge(created._id);
    check(result === undefined, 'deleteBadge resolves to nothing');
  });
  if (deleted) {
    await step('badges.getBadge', 'get after delete is a 404 SDK error', async () => {
      await expectSdkError(() => b.getBadge(created._id), [404], 'getBadge after deleteBadge');
    });
  }
  if (second) await step('badges.deleteBadge', 'delete the second badge', () => b.deleteBadge(second._id));
}

// badges v4 and badge assignments v4 ---------------------------------------------------------------
/** Every page of a builder query, following `.next()` while `hasNext()` says so (bounded). */
async function allPages(first) {
  let result = first;
  const items = [...result.items];
  for (let page = 1; result.hasNext() && page < MAX_PAGES; page += 1) {
    result = await result.next();
    items.push(...result.items);
  }
  return { items, last: result };
}

async function exerciseBadgesV4() {
  const b = client.badgesV4;
  const created = await step('badgesV4.createBadge', 'create: GUID _id, revision "1"-like, slug, icon round-trip', async () => {
    const title = name('V4 Mentor');
    const badge = await b.createBadge({ title, backgroundColor: '#796EFF', textColor: '#FFFFFF', icon: 'https://static.example.test/mentor.svg' });
    check(GUID.test(badge?._id ?? ''), `_id is a GUID, got ${JSON.stringify(badge?._id)}`);
    check(badge.title === title, 'title echoed');
    check(/^[1-9][0-9]*$/.test(String(badge.revision)), `revision is a positive decimal string, got ${JSON.stringify(badge.revision)}`);
    check(typeof badge.slug === 'string' && badge.slug.length > 0, 'slug is a non-empty string');
    check(isDate(badge._createdDate), '_createdDate parses as a date');
    check(typeof badge.icon === 'string' && badge.icon.length > 0, `icon comes back as a string, got ${JSON.stringify(badge.icon)}`);
    return badge;
  });
  const second = await step('badgesV4.createBadge', 'create a second badge', async () => {
    const badge = await b.createBadge({ title: name('V4 Helper'), backgroundColor: '#000000', textColor: '#FFFFFF' });
    check(GUID.test(badge?._id ?? ''), 'GUID _id');
    return badge;
  });
  if (!created || !second) {
    for (const method of ['getBadge', 'updateBadge', 'queryBadges', 'moveBadge', 'updateBadgesDisplayOrder', 'deleteBadge']) {
      record(`badgesV4.${method}`, false, 'needs two badges, but createBadge failed');
    }
    return undefined;
  }
  await step('badgesV4.getBadge', 'get returns the created badge and revision', async () => {
    const got = await b.getBadge(created._id);
    check(got._id === created._id && String(got.revision) === String(created.revision), 'same _id and revision');
  });
  const updated = await step('badgesV4.updateBadge', 'partial update with the revision: revision + 1, colors kept', async () => {
    const badge = await b.updateBadge(created._id, { title: name('V4 Mentor renamed'), revision: created.revision });
    check(String(badge.revision) === incremented(created.revision), `revision ${created.revision} -> ${badge.revision}`);
    check(badge.backgroundColor?.toUpperCase() === '#796EFF', 'backgroundColor kept');
    await expectSdkError(() => b.updateBadge(created._id, { title: name('stale'), revision: created.revision }), [409], 'update with the old revision');
    return badge;
  });
  await step('badgesV4.queryBadges', 'builder eq(_id, …).find() and limit(1) walked with .next() (offset paging, pagingMetadata.total)', async () => {
    const one = await b.queryBadges().eq('_id', created._id).find();
    check(one.items.length === 1 && one.items[0]._id === created._id, `eq('_id') finds the badge, got ${one.items.length}`);
    const mine = [created._id, second._id];
    const walked = await allPages(await b.queryBadges().in('_id', mine).limit(1).find());
    const ids = walked.items.map((x) => x._id);
    check(mine.every((id) => ids.includes(id)) && ids.length === new Set(ids).size, `the .next() walk lists both badges once, got ${JSON.stringify(ids)}`);
  });
  await step('badgesV4.moveBadge', 'move FIRST, then AFTER the other badge', async () => {
    await b.moveBadge(second._id, { position: 'FIRST' });
    await b.moveBadge(second._id, { position: 'AFTER', moveAfterBadgeId: created._id });
  });
  await step('badgesV4.updateBadgesDisplayOrder', 'reorder all badges, answer in that order, then restore', async () => {
    const everyone = (await allPages(await b.queryBadges().limit(100).find())).items.map((x) => x._id);
    const wanted = [second._id, created._id, ...everyone.filter((id) => id !== created._id && id !== second._id)];
    const { badges } = await b.updateBadgesDisplayOrder(wanted);
    check(JSON.stringify(badges.map((x) => x._id)) === JSON.stringify(wanted), 'badges come back in the requested order');
    await b.updateBadgesDisplayOrder(everyone);
  });
  return { created: updated && updated !== true ? updated : created, second };
}

async function exerciseAssignmentsV4(badges) {
  const a = client.badgeAssignments;
  const alias = customHostClient.badgeAssignments;
  const methods = ['createBadgeAssignment', 'bulkCreateBadgeAssignments', 'queryBadgeAssignments', 'deleteBadgeAssignment',
    'bulkDeleteBadgeAssignments', 'bulkUpdateBadgeAssignmentTags', 'bulkUpdateBadgeAssignmentTagsByFilter'];
  if (!badges) {
    for (const method of methods) record(`badgeAssignments.${method}`, false, 'needs a v4 badge, but createBadge failed');
    return;
  }
  const badgeId = badges.second._id;
  const [m1, m2] = MEMBER_IDS;
  const one = await step('badgeAssignments.createBadgeAssignment', 'create: GUID _id, badgeId and memberId echoed', async () => {
    const doc = await a.createBadgeAssignment({ badgeId, memberId: m1 });
    check(GUID.test(doc?._id ?? '') && doc.badgeId === badgeId && doc.memberId === m1, `assignment ${JSON.stringify(doc)}`);
    return doc;
  });
  const viaAlias = await step('badgeAssignments.createBadgeAssignment', `create through a client on host ${CUSTOM_HOST} (the badge-assignments alias)`, async () => {
    const since = exchanges.length;
    const doc = await alias.createBadgeAssignment({ badgeId: badges.created._id, memberId: m1 });
    check(exchanges.slice(since).some((x) => x.path.startsWith('/badges/v4/badge-assignments')), 'the SDK sent the alias path');
    return doc;
  });
  const bulk = await step('badgeAssignments.bulkCreateBadgeAssignments', 'bulk create with returnEntity: per-item results with the item', async () => {
    const { results, bulkActionMetadata } = await a.bulkCreateBadgeAssignments([{ badgeId, memberId: m2 }], { returnEntity: true });
    check(results.length === 1 && results[0].itemMetadata?.success === true && results[0].item?.memberId === m2, `results ${clip(JSON.stringify(results))}`);
    check(bulkActionMetadata?.totalSuccesses === 1, 'totalSuccesses 1');
    return results[0].item;
  });
  await step('badgeAssignments.queryBadgeAssignments', 'builder eq(badgeId).limit(1) walked with .next() (cursor), and through the alias', async () => {
    const walked = await allPages(await a.queryBadgeAssignments().eq('badgeId', badgeId).limit(1).find());
    const members = walked.items.map((x) => x.memberId).sort();
    check(JSON.stringify(members) === JSON.stringify([m1, m2].sort()), `the .next() walk finds both members, got ${JSON.stringify(members)}`);
    const viaHost = await alias.queryBadgeAssignments().eq('badgeId', badges.created._id).find();
    check(viaHost.items.some((x) => x.memberId === m1), 'the alias query finds the alias-created assignment');
  });
  const ids = [one, bulk].filter((x) => x && x !== true).map((x) => x._id);
  await step('badgeAssignments.bulkUpdateBadgeAssignmentTags', 'assign a tag to both assignments', async () => {
    const { results } = await a.bulkUpdateBadgeAssignmentTags(ids, { assignTags: { tags: { tagIds: [`${TAG}-tag`] } } });
    check(results.length === ids.length && results.every((r) => r.itemMetadata?.success === true), `results ${clip(JSON.stringify(results))}`);
  });
  await step('badgeAssignments.bulkUpdateBadgeAssignmentTagsByFilter', 'tag by filter answers a GUID jobId', async () => {
    const { jobId } = await a.bulkUpdateBadgeAssignmentTagsByFilter({ badgeId }, { assignTags: { privateTags: { tagIds: [`${TAG}-private`] } } });
    check(GUID.test(jobId ?? ''), `jobId is a GUID, got ${JSON.stringify(jobId)}`);
  });
  if (one && one !== true) {
    await step('badgeAssignments.deleteBadgeAssignment', 'delete one assignment, a second delete is a 404 SDK error', async () => {
      await a.deleteBadgeAssignment(one._id);
      await expectSdkError(() => a.deleteBadgeAssignment(one._id), [404], 'delete it again');
    });
  }
  if (viaAlias && viaAlias !== true) {
    await step('badgeAssignments.deleteBadgeAssignment', 'delete through the alias', () => alias.deleteBadgeAssignment(viaAlias._id));
  }
  if (bulk && bulk !== true) {
    await step('badgeAssignments.bulkDeleteBadgeAssignments', 'bulk delete: per-item success', async () => {
      const { results } = await a.bulkDeleteBadgeAssignments([bulk._id]);
      check(results.length === 1 && results[0].itemMetadata?.success === true, `results ${clip(JSON.stringify(results))}`);
    });
  }
}

async function deleteBadgesV4(badges) {
  if (!badges) return;
  await step('badgesV4.deleteBadge', 'delete both badges; get after delete is a 404 SDK error', async () => {
    await client.badgesV4.deleteBadge(badges.created._id);
    await client.badgesV4.deleteBadge(badges.second._id);
    await expectSdkError(() => client.badgesV4.getBadge(badges.created._id), [404], 'get after delete');
  });
}

// events --------------------------------------------------------------------------------------------
// What an app does with webhooks: an AppStrategy client with every handler registered, and
// `webhooks.process(body)` on each POST. The expectations come from the REST exchanges the flows made.
const WEBHOOK_PORT = Number(process.env.CONFORMANCE_WEBHOOK_PORT || 0);
const WEBHOOK_KEY = process.env.CONFORMANCE_WEBHOOK_PUBLIC_KEY;
const WEBHOOK_WAIT_MS = 1000 * Number(process.env.CONFORMANCE_WEBHOOK_WAIT || 10);
const handled = new Map(); // handler key -> [envelopes the handler received]
const processErrors = [];

function isEventHandler(value) {
  return typeof value === 'function' && value.__type === 'event-definition';
}

function handlerKeys() {
  return Object.entries(MODULES).flatMap(([moduleName, module]) => Object.entries(module)
    .filter(([, value]) => isEventHandler(value))
    .map(([exportName, value]) => ({ key: `${moduleName}.${exportName}`, moduleName, exportName, type: value.type })));
}

async function startReceiver() {
  if (!WEBHOOK_PORT || !WEBHOOK_KEY) return undefined;
  const app = createClient({ auth: AppStrategy({ appId: randomUUID(), publicKey: WEBHOOK_KEY }), modules: MODULES });
  for (const { key, moduleName, exportName } of handlerKeys()) {
    handled.set(key, []);
    app[moduleName][exportName]((event) => { handled.get(key).push(event); });
  }
  const server = createServer((request, response) => {
    const chunks = [];
    request.on('data', (chunk) => chunks.push(chunk));
    request.on('end', async () => {
      try {
        await app.webhooks.process(Buffer.concat(chunks).toString('utf8'));
      } catch (error) {
        processErrors.push(String(error?.message ?? error));
      }
      response.writeHead(200).end();
    });
  });
  await new Promise((resolve) => server.listen(WEBHOOK_PORT, '127.0.0.1', resolve));
  return server;
}

/** The events the REST answers promise: [handler key, check(envelope), what]. */
function expectedEvents() {
  const wanted = [];
  const crud = [['tiers', '/loyalty-tiers/v1/tiers', '/loyalty-tiers/v1/bulk/tiers/create', 'tier', 'Tier', 'PATCH'],
    ['rewards', '/loyalty-rewards/v1/rewards', '/loyalty-rewards/v1/bulk/rewards/create', 'reward', 'Reward', 'PUT'],
    ['badgesV4', '/badges/v4/badges', null, 'badge', 'Badge', 'PATCH']];
  const idOf = (entity) => entity?._id ?? entity?.id;
  for (const e of exchanges.filter((x) => x.status === 200)) {
    const path = e.path.split('?')[0];
    for (const [module, base, bulk, key, Name, updateMethod] of crud) {
      const isItem = path.startsWith(`${base}/`) && path.split('/').length === base.split('/').length + 1;
      if (e.method === 'POST' && path === base && e.response?.[key]) {
        const { id, revision } = e.response[key];
        wanted.push([`${module}.on${Name}Created`, (x) => idOf(x.entity) === id && String(x.entity.revision) === revision, `${key} ${id} created`]);
      } else if (e.method === 'POST' && path === bulk) {
        for (const item of (e.response?.results ?? []).map((r) => r.item).filter(Boolean)) {
          wanted.push([`${module}.on${Name}Created`, (x) => idOf(x.entity) === item.id, `${key} ${item.id} bulk-created`]);
        }
      } else if (e.method === updateMethod && isItem && e.response?.[key]) {
        const { id, revision } = e.response[key];
        wanted.push([`${module}.on${Name}Updated`, (x) => idOf(x.entity) === id && String(x.entity.revision) === revision, `${key} ${id} updated to revision ${revision}`]);
      } else if (e.method === 'DELETE' && isItem) {
        const id = path.split('/').pop();
        wanted.push([`${module}.on${Name}Deleted`, (x) => x.metadata?.entityId === id, `${key} ${id} deleted`]);
      }
    }
    wanted.push(...assignmentEvents(e, path));
    const members = path.match(/^\/members\/v3\/badges\/([0-9a-f-]{36})\/members$/i);
    if (members && e.method === 'POST') {
      for (const m of e.body?.memberIds ?? []) {
        wanted.push(['badges.onBadgeAssigned', (x) => x.metadata?.entityId === members[1] && x.data?.memberId === m, `member ${m} assigned badge ${members[1]}`]);
      }
    } else if (members && e.method === 'DELETE') {
      for (const m of new URL(`http://x${e.path}`).searchParams.getAll('memberIds')) {
        wanted.push(['badges.onBadgeUnassigned', (x) => x.metadata?.entityId === members[1] && x.data?.memberId === m, `member ${m} unassigned from badge ${members[1]}`]);
      }
    }
  }
  return wanted;
}

/** Badge Assignments v4 (either path family, AMB4-1): one created/deleted event per assignment (ASSIGN-16);
 * the deleted handler is matched by metadata.entityId, since its entity may be absent (AMB4-17). */
function assignmentEvents(e, path) {
  const family = path.match(/^\/badges\/v4\/(bulk\/)?(assignments|badge-assignments)(\/.*)?$/);
  if (!family) return [];
  const [, bulk, , rest = ''] = family;
  const created = (doc) => ['badgeAssignments.onBadgeAssignmentCreated',
    (x) => (x.entity?._id ?? x.entity?.id) === doc.id && x.entity?.memberId === doc.memberId, `assignment ${doc.id} created`];
  const deleted = (id) => ['badgeAssignments.onBadgeAssignmentDeleted', (x) => x.metadata?.entityId === id, `assignment ${id} deleted`];
  const succeeded = (e.response?.results ?? []).filter((r) => r.itemMetadata?.success);
  if (!bulk && e.method === 'POST' && rest === '' && e.response?.badgeAssignment) return [created(e.response.badgeAssignment)];
  if (!bulk && e.method === 'DELETE' && /^\/[0-9a-f-]{36}$/i.test(rest)) return [deleted(rest.slice(1))];
  if (bulk && rest === '/create') return succeeded.filter((r) => r.item).map((r) => created(r.item));
  if (bulk && rest === '/delete') return succeeded.map((r) => deleted(r.itemMetadata.id));
  return [];
}

async function judgeEvents() {
  const wanted = expectedEvents();
  const missing = () => wanted.filter(([key, matches]) => !(handled.get(key) ?? []).some(matches));
  const deadline = Date.now() + WEBHOOK_WAIT_MS;
  while (missing().length && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
  const lost = missing();
  for (const { key } of handlerKeys()) {
    const mine = wanted.filter(([k]) => k === key);
    const gone = lost.filter(([k]) => k === key);
    if (!mine.length) {
      record(key, false, 'the flows made no write that emits this event');
    } else if (gone.length) {
      const errors = processErrors.length ? `; webhooks.process threw: ${clip([...new Set(processErrors)].join(' | '), 300)}` : '';
      record(key, false, `${gone.length} of ${mine.length} events never reached the handler with the API's data (e.g. ${gone[0][2]}); handler got ${handled.get(key).length} event(s)${errors}`);
    } else {
      record(key, true, `${mine.length} event(s) parsed by webhooks.process, handler got the entity/action data the API returned`);
    }
  }
}

// report --------------------------------------------------------------------------------------------
async function main() {
  const receiver = await startReceiver();
  await exerciseTiers();
  await exerciseRewards();
  await exerciseBadges();
  const badgesV4 = await exerciseBadgesV4();
  await exerciseAssignmentsV4(badgesV4);
  await deleteBadgesV4(badgesV4);
  if (receiver) {
    await judgeEvents();
    receiver.close();
  }

  const lines = [];
  let failures = 0;
  const known = new Set();
  for (const [moduleName, module] of Object.entries(MODULES)) {
    for (const [exportName, value] of Object.entries(module).sort(([a], [b]) => a.localeCompare(b))) {
      if (typeof value !== 'function') continue; // enums such as SortOrder
      const key = `${moduleName}.${exportName}`;
      known.add(key);
      if (isEventHandler(value) && !outcomes.has(key)) {
        lines.push(['not-exercised', key, `webhook handler (${value.type ?? 'event'}): set CONFORMANCE_WEBHOOK_PORT and CONFORMANCE_WEBHOOK_PUBLIC_KEY`]);
        continue;
      }
      const outcome = outcomes.get(key);
      if (!outcome) {
        lines.push(['not-exercised', key, 'no scenario in exercise.mjs (exported by a newer SDK module?)']);
      } else if (outcome.fail.length) {
        failures += 1;
        lines.push(['fail', key, outcome.fail.join(' || ')]);
      } else {
        lines.push(['ok', key, outcome.ok.join('; ')]);
      }
    }
  }
  for (const key of outcomes.keys()) {
    if (!known.has(key)) lines.push(['fail', key, 'scenario for a method the module does not export']);
  }
  for (const [status, key, detail] of lines) {
    console.log(`${status.padEnd(14)} ${key.padEnd(40)} ${detail}`);
  }
  const count = (s) => lines.filter(([status]) => status === s).length;
  console.log(`summary: ${count('ok')} ok, ${count('fail')} fail, ${count('not-exercised')} not exercised, ${exchanges.length} requests`);
  return failures === 0 && count('fail') === 0 ? 0 : 1;
}

main().then((code) => process.exit(code), (error) => {
  console.error(`exercise.mjs crashed: ${error?.stack ?? error}`);
  process.exit(2);
});
