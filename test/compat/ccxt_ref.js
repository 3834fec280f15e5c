// ccxt_ref.js - looptrader's job written on ccxt (Node), the reference that
// make bench's `reference` scenario measures the trader against (issue 7:
// "how much leaner than a mainstream exchange client library").
//
// The job is ../shared/MISSION.md's, as src/run/strategy.c does it: for each
// account, concurrently, rounds of a limit buy for min(buy_amount,
// remaining) quote at the best ask × (1 + slippage + k × slippage_step),
// k = 0..max_tries-1, then a limit sell of exactly what the round bought at
// the best bid × (1 − ...), until the account's filled buy quote in the UTC
// day reaches its target.  After each order: filled → next step; otherwise
// wait up to fill_timeout for the fill, then cancel, keep any partial fill
// and retry the rest one rung up.  A sell never gives up: past the last rung
// it retries at the last rung.  A buy is sized as plan.c's plan_buy_qty: the
// quote's quantity truncated to the step, raised to what the last sell rung
// can still sell (min quantity, min notional + 2 %), then to the venue's
// minimums.  Dust is handled as the trader does: a partly filled sell whose
// rest would be below the minimums rests up to 3 fill timeouts more, what
// cannot be sold is carried into the next round's sell, and up to 3 smallest
// rounds after the target sell what is still carried.  At start each
// account's window total comes from its order history (the trader's
// filter); five rounds in a row that buy nothing end the account; SIGTERM
// stops at the next step and sells what is held, for at most 10 s.  What
// ccxt reports as an operation failure (network, 5xx, 429) is retried for a
// query or a cancel, and settled by the client order id for an order.
//
// Written as a competent Node engineer would, not handicapped:
// - one process, one async task per account, no threads to start;
// - ccxt.pro's binance class, one exchange object per account (its keys,
//   its WebSocket connections), all sharing the markets that one market-data
//   object loaded once (setMarkets, no exchangeInfo per account);
// - prices from one bookTicker stream (watchBidsAsks) shared by every
//   account, as the trader's one market stream: no REST ticker per round;
// - order updates from each account's user-data stream (watchOrders, the
//   WS API subscription ccxt uses) consumed continuously into a map, so a
//   wait for a fill is a promise resolved by the push, with fetchOrder only
//   at the fill timeout (--fills poll instead polls fetchOrder every
//   --poll-ms, as a bot without a stream would);
// - an order answered FILLED (newOrderRespType FULL, ccxt's default for
//   spot limits) goes straight to the next step, as the trader does;
// - orders over REST (createOrder, keep-alive connections) or, with
//   --orders ws, over the WS API (createOrderWs, cancelOrderWs,
//   fetchOrderWs), the trader's default transport;
// - ccxt's client-side rate limiter off (enableRateLimit false): the
//   simulator advertises limits the trader never paces for, so neither
//   side waits on one; no sleeps but the poll interval; no per-order logs.
// What it leaves out of the trader's job: the durable intent journal and
// crash recovery (a restart of this script does not find its orders), the
// push-versus-query guard, fee-asset bookkeeping; all cost the trader CPU,
// so leaving them out only favours the reference.
//
//   node ccxt_ref.js --url http://127.0.0.1:PORT --users FILE --target Q
//        [--symbol ALPHA/USDT] [--buy-amount 10] [--slippage 0.001]
//        [--slippage-step 0.002] [--max-tries 5] [--fill-timeout-ms 2000]
//        [--orders rest|ws] [--fills watch|poll] [--poll-ms 250]
// FILE is JSON: [{"name": ..., "apiKey": ..., "secret": ...}, ...] (mode
// 600: it holds secrets, which this script never prints).  At the end it
// prints one JSON line: accounts, accounts done, rounds, orders sent, filled
// buy quote, base left unsold (residual), errors, wall seconds.  Exit 0 when
// every account reached its target, 1 otherwise, 2 on bad arguments.
'use strict';

const fs = require('fs');
const ccxt = require('ccxt');
const { TUNED_OPTIONS, pointAtSim } = require('./ccxt_sim');

function arg(name, def) {
    const i = process.argv.indexOf('--' + name);
    return i > 0 && i + 1 < process.argv.length ? process.argv[i + 1] : def;
}
const BASE = arg('url');
const USERS = arg('users');
const SYMBOL = arg('symbol', 'ALPHA/USDT');
const TARGET = Number(arg('target', 'NaN'));
const BUY_AMOUNT = Number(arg('buy-amount', '10'));
const SLIPPAGE = Number(arg('slippage', '0.001'));
const SLIPPAGE_STEP = Number(arg('slippage-step', '0.002'));
const MAX_TRIES = Number(arg('max-tries', '5'));
const FILL_TIMEOUT_MS = Number(arg('fill-timeout-ms', '2000'));
const ORDERS = arg('orders', 'rest');
const FILLS = arg('fills', 'watch');
const POLL_MS = Number(arg('poll-ms', '250'));
const PRICE_WAIT_MS = 3000;   // wait this long for the stream's first price, then REST
const PRICE_STALE_MS = 5000;  // a pushed price older than this is fetched instead
const TRANSIENT_TRIES = 5;    // tries of an idempotent call that met a network error, 5xx or 429
const LOST_ORDERS_MAX = 5;    // sends of one order that the venue never placed
const DUST_RESTS = 3;         // extra fill timeouts a sell with a dust rest keeps resting
const CLEANUP_ROUNDS = 3;     // extra smallest rounds to sell dust once the target is reached
const FLATTEN_MS = 10000;     // a stop's bound on selling what the round holds
const PUSHED_KEPT = 256;      // order states kept from the user stream, per account
if (!BASE || !USERS || !(TARGET > 0) || !['rest', 'ws'].includes(ORDERS) ||
    !['watch', 'poll'].includes(FILLS)) {
    console.error('usage: node ccxt_ref.js --url http://127.0.0.1:PORT --users FILE --target Q ' +
                  '[--orders rest|ws] [--fills watch|poll] (see its header)');
    process.exit(2);
}

let stopping = false, stopAt = 0;
function stop() {
    if (!stopping)
        stopAt = Date.now();
    stopping = true;
}
process.on('SIGTERM', stop);
process.on('SIGINT', stop);

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const FINAL = new Set(['closed', 'canceled', 'expired', 'rejected']);

function newExchange(user) {
    const ex = new ccxt.pro.binance({
        apiKey: user ? user.apiKey : undefined,
        secret: user ? user.secret : undefined,
        ...TUNED_OPTIONS,
        options: { ...TUNED_OPTIONS.options },
    });
    pointAtSim(ex, BASE);
    return ex;
}

// The best bid and ask, from the one bookTicker stream every account reads.
const book = { bid: 0, ask: 0, at: 0 };
let firstPrice;
const priced = new Promise((r) => { firstPrice = r; });
async function followBook(md) {
    while (!stopping) {
        try {
            const t = (await md.watchBidsAsks([SYMBOL]))[SYMBOL];
            if (t && t.bid > 0 && t.ask > 0) {
                book.bid = t.bid;
                book.ask = t.ask;
                book.at = Date.now();
                firstPrice();
            }
        } catch (e) {
            if (!stopping)
                await sleep(POLL_MS);
        }
    }
}

// The pushed price, or the REST one when the stream has none fresh.
async function currentBook(ex) {
    if (book.at === 0)
        await Promise.race([priced, sleep(PRICE_WAIT_MS)]);
    if (Date.now() - book.at <= PRICE_STALE_MS)
        return { bid: book.bid, ask: book.ask };
    const t = (await retried(() => ex.fetchBidsAsks([SYMBOL])))[SYMBOL];
    return { bid: t.bid, ask: t.ask };
}

// fn() of an idempotent call, retried on what ccxt calls an operation
// failure (network, 5xx, 429; a 429 after a second's pause).
async function retried(fn) {
    for (let i = 0; ; i++) {
        try {
            return await fn();
        } catch (e) {
            if (!(e instanceof ccxt.OperationFailed) || i + 1 >= TRANSIENT_TRIES)
                throw e;
            await sleep(e instanceof ccxt.RateLimitExceeded ? 1000 : POLL_MS);
        }
    }
}

class Account {
    constructor(user, markets, currencies) {
        this.name = user.name;
        this.ex = newExchange(user);
        this.ex.setMarkets(markets, currencies);
        this.market = this.ex.market(SYMBOL);
        this.orders = new Map();     // id -> the newest pushed state, the last PUSHED_KEPT orders
        this.waiters = new Map();    // id -> resolve() of a wait for a final push
        this.seq = 0;
        this.carry = 0;              // base bought and not sold yet: dust below the minimums
        this.stats = { rounds: 0, orders: 0, bought: 0, errors: 0, done: false };
        this.tag = this.name.replace(/[^A-Za-z0-9]/g, '').slice(-12);
    }

    async followOrders() {
        while (!stopping || this.waiters.size) {
            try {
                for (const o of await this.ex.watchOrders(SYMBOL)) {
                    this.orders.delete(o.id);  // re-inserted: the newest last
                    this.orders.set(o.id, o);
                    if (this.orders.size > PUSHED_KEPT)
                        this.orders.delete(this.orders.keys().next().value);
                    const w = this.waiters.get(o.id);
                    if (w && FINAL.has(o.status))
                        w();
                }
            } catch (e) {
                if (stopping)
                    return;
                this.stats.errors++;
                await sleep(POLL_MS);
            }
        }
    }

    // An idempotent call (query, cancel) by the --orders transport, retried.
    call(rest, ws, ...a) {
        return retried(() => (ORDERS === 'ws' ? this.ex[ws](...a) : this.ex[rest](...a)));
    }

    // Places one limit order and returns its answer.  An outcome ccxt
    // reports as an operation failure is settled by querying the order's
    // client id, never by sending it again; one that was not placed (a 429,
    // or not found) is sent again, with a new id, up to LOST_ORDERS_MAX times.
    async place(side, qty, price) {
        for (let lost = 0; ; lost++) {
            const clientId = `ref${this.tag}x${Date.now().toString(36)}x${(this.seq++).toString(36)}`;
            this.stats.orders++;
            let err;
            try {
                return await (ORDERS === 'ws' ? this.ex.createOrderWs : this.ex.createOrder).call(
                    this.ex, SYMBOL, 'limit', side, qty, price,
                    { newClientOrderId: clientId, timeInForce: 'GTC' });
            } catch (e) {
                if (!(e instanceof ccxt.OperationFailed) || lost + 1 >= LOST_ORDERS_MAX)
                    throw e;
                err = e;
            }
            if (err instanceof ccxt.RateLimitExceeded) {
                await sleep(1000);
                continue;
            }
            await sleep(POLL_MS);  // the venue's books settle before the query
            try {
                return await this.call('fetchOrder', 'fetchOrderWs', undefined, SYMBOL,
                                       { origClientOrderId: clientId });
            } catch (q) {
                if (!(q instanceof ccxt.OrderNotFound))
                    throw q;
            }
        }
    }

    // o's newest state once final or at the fill timeout: from its push
    // (watch) or a poll.
    async follow(o) {
        if (FILLS === 'watch') {
            const pushed = this.orders.get(o.id);
            if (!(pushed && FINAL.has(pushed.status))) {
                let timer;
                await new Promise((resolve) => {
                    this.waiters.set(o.id, resolve);
                    timer = setTimeout(resolve, FILL_TIMEOUT_MS);
                });
                clearTimeout(timer);
                this.waiters.delete(o.id);
            }
            return this.orders.get(o.id) || o;
        }
        const deadline = Date.now() + FILL_TIMEOUT_MS;
        while (Date.now() < deadline && !stopping) {
            await sleep(Math.min(POLL_MS, deadline - Date.now()));
            o = await this.call('fetchOrder', 'fetchOrderWs', o.id, SYMBOL);
            if (FINAL.has(o.status))
                break;
        }
        return o;
    }

    // Follows o until final, cancelling it at the fill timeout; a partly
    // filled sell whose rest would be dust (isDust) rests up to DUST_RESTS
    // timeouts more instead, as cancelling would strand it.  The final order.
    async settle(o, isDust) {
        for (let rests = 0; !FINAL.has(o.status); rests++) {
            o = await this.follow(o);
            if (FINAL.has(o.status))
                return o;
            if (!(isDust && o.filled > 0 && isDust(o.amount - o.filled) && rests < DUST_RESTS &&
                  !stopping))
                break;
        }
        if (FINAL.has(o.status))
            return o;
        try {
            const c = await this.call('cancelOrder', 'cancelOrderWs', o.id, SYMBOL);
            if (FINAL.has(c.status))
                return c;
        } catch (e) {
            if (!(e instanceof ccxt.OrderNotFound))
                throw e;
        }
        return this.call('fetchOrder', 'fetchOrderWs', o.id, SYMBOL);
    }

    rungPrice(side, ref, k) {
        const s = SLIPPAGE + Math.min(k, MAX_TRIES - 1) * SLIPPAGE_STEP;
        return Number(this.ex.priceToPrecision(SYMBOL, side === 'buy' ? ref * (1 + s) : ref * (1 - s)));
    }

    // Quantities to the step (ccxt's amountToPrecision refuses one below it).
    ceilQty(q) {
        const step = this.market.precision.amount;
        return Number((Math.ceil(q / step - 1e-9) * step).toFixed(12));
    }

    floorQty(q) {
        const step = this.market.precision.amount;
        return Number((Math.floor(q / step + 1e-9) * step).toFixed(12));
    }

    valid(price, q) {
        const l = this.market.limits;
        return q >= (l.amount.min || 0) && price * q >= (l.cost.min || 0);
    }

    // plan.c's plan_buy_qty: the buy's quantity for want quote at price when
    // the round holds `held` and must hold at least qMin; 0 = keep what is held.
    buyQty(want, price, held, qMin) {
        const short = held < qMin ? qMin - held : 0;
        let q = want > 0 ? this.floorQty(want / price) : 0;
        if (q < short)
            q = this.ceilQty(short);
        if (!this.valid(price, q)) {
            if (held > 0 && short === 0)
                return 0;
            q = this.ceilQty(Math.max(q, (this.market.limits.cost.min || 0) / price));
        }
        return q;
    }

    // The quote this account bought in the UTC day so far (the trader's filter).
    async windowTotal() {
        const day = new Date();
        day.setUTCHours(0, 0, 0, 0);
        let total = 0;
        for (const o of await this.call('fetchOrders', 'fetchOrders', SYMBOL, day.getTime()))
            if (o.side === 'buy' && o.filled > 0)
                total += o.cost;
        return total;
    }

    // One round: buy up the ladder for min(buy_amount, remaining) quote (the
    // smallest sellable quantity when remaining is 0: a cleanup round), then
    // sell what it bought and the dust carried from earlier rounds; what
    // cannot be sold (below the minimums) is carried to the next.  The quote
    // it bought.
    async round(remaining) {
        const want = Math.min(BUY_AMOUNT, remaining);
        let held = 0, spent = 0, qMin = 0;
        for (let k = 0; k < MAX_TRIES && !stopping; k++) {
            const { bid, ask } = await currentBook(this.ex);
            const price = this.rungPrice('buy', ask, k);
            if (k === 0) {
                const last = this.rungPrice('sell', bid, MAX_TRIES - 1);
                qMin = this.ceilQty(Math.max(this.market.limits.amount.min || 0,
                                             (this.market.limits.cost.min || 0) * 1.02 / last));
            }
            const q = this.buyQty(want - spent, price, held, qMin);
            if (q <= 0)
                break;
            const o = await this.settle(await this.place('buy', q, price));
            held += o.filled || 0;
            spent += o.cost || 0;
            if (o.status === 'closed')
                break;
        }
        this.stats.bought += spent;
        let left = this.floorQty(held + this.carry);
        for (let k = 0; left > 0 && !(stopping && Date.now() - stopAt > FLATTEN_MS); k++) {
            const { bid } = await currentBook(this.ex);
            const price = this.rungPrice('sell', bid, k);
            if (!this.valid(price, left))
                break;
            const o = await this.settle(await this.place('sell', left, price),
                                        (rest) => !this.valid(price, rest));
            left = this.floorQty(left - (o.filled || 0));
            if (o.status === 'closed')
                break;
        }
        this.carry = left;
        this.stats.rounds++;
        return spent;
    }

    async run() {
        await this.ex.loadHttpProxyAgent();  // ccxt.pro refuses ws:// URLs without it
        if (FILLS === 'watch')
            this.followOrders();  // until the process stops: its promise is not awaited
        try {
            let total = await this.windowTotal();
            let idle = 0;
            while (!stopping && total < TARGET - 1e-9) {
                const got = await this.round(TARGET - total);
                total += got;
                idle = got > 0 ? 0 : idle + 1;
                if (idle >= 5)
                    throw new Error('5 rounds in a row bought nothing');
            }
            this.stats.done = total >= TARGET - 1e-9;
            for (let n = 0; !stopping && this.carry > 0 && n < CLEANUP_ROUNDS; n++)
                await this.round(0);
        } catch (e) {
            this.stats.errors++;
            this.stats.error = `${e.constructor.name}: ${String(e.message || e).slice(0, 200)}`;
        }
    }
}

(async () => {
    const t0 = performance.timeOrigin;
    const users = JSON.parse(fs.readFileSync(USERS, 'utf8'));
    const md = newExchange(null);
    await md.loadHttpProxyAgent();
    await retried(() => md.loadMarkets());
    followBook(md);  // until the process stops
    const accounts = users.map((u) => new Account(u, md.markets, md.currencies));
    await Promise.all(accounts.map((a) => a.run()));
    stop();
    const out = { accounts: accounts.length, done: 0, rounds: 0, orders: 0, bought: 0, residual: 0,
                  errors: 0, orders_transport: ORDERS, fills: FILLS };
    for (const a of accounts) {
        out.done += a.stats.done ? 1 : 0;
        out.rounds += a.stats.rounds;
        out.orders += a.stats.orders;
        out.bought += a.stats.bought;
        out.residual += a.carry;
        out.errors += a.stats.errors;
        if (a.stats.error && !out.first_error)
            out.first_error = `${a.name}: ${a.stats.error}`;
    }
    out.bought = Math.round(out.bought * 1e4) / 1e4;
    out.residual = Math.round(out.residual * 1e8) / 1e8;
    out.wall_s = (Date.now() - t0) / 1000;
    console.log(JSON.stringify(out));
    // Its connections closed, for at most half a second: the OS closes the rest.
    await Promise.race([Promise.all([md, ...accounts.map((a) => a.ex)].map((e) => e.close().catch(() => {}))),
                        sleep(500)]);
    process.exit(out.done === out.accounts ? 0 : 1);
})().catch((e) => {
    console.error(`ccxt_ref: ${e.constructor.name}: ${String(e.message || e).slice(0, 300)}`);
    process.exit(1);
});
