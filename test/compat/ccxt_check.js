// ccxt_check.js - drives looptrader-sim with ccxt (a widely used third-party
// Binance client), pointed at it by base URL only, and reports every call.
//
// The simulator's promise is that standard Binance clients work against it
// unchanged.  This script is that check: markets, tickers, order book,
// balances, order create/fetch/cancel, open and closed orders, trades, and
// the user-data stream through ccxt.pro (WebSocket API subscription).  Each
// step prints PASS or FAIL with the reason; every HTTP request ccxt made is
// logged with its status, so a FAIL names the endpoint and the sim's answer.
//
// The steps run twice: pass "tuned" with options that keep ccxt to the spot
// endpoints and off client-side guards, and pass "plain" with nothing but
// the URLs and the keys, as a user who only changes the base URL would.
// What plain still needs beyond that is ccxt's own, not the simulator's:
// loadHttpProxyAgent() (ccxt refuses ws:// URLs without it, and the
// simulator serves no TLS) and options.warnOnFetchOpenOrdersWithoutSymbol
// (ccxt refuses fetchOpenOrders() without a symbol by default, on Binance
// too, before any request).
//
//   node ccxt_check.js --url http://127.0.0.1:PORT [--key K --secret S]
//                      [--symbol ALPHA/USDT] [--pass tuned|plain|both] [--verbose]
// Exit 0 when every step passed, 1 otherwise.
'use strict';

const ccxt = require('ccxt');
const { TUNED_OPTIONS, pointAtSim } = require('./ccxt_sim');

function arg(name, def) {
    const i = process.argv.indexOf('--' + name);
    return i > 0 && i + 1 < process.argv.length ? process.argv[i + 1] : def;
}
const BASE = arg('url');
const KEY = arg('key', 'demo-alice-key');
const SECRET = arg('secret', 'demo-alice-secret-7f3a9c');
const SYMBOL = arg('symbol', 'ALPHA/USDT');
const PASS = arg('pass', 'both');
const VERBOSE = process.argv.includes('--verbose');
if (!BASE) {
    console.error('usage: node ccxt_check.js --url http://127.0.0.1:PORT [--key K --secret S]');
    process.exit(2);
}

// Pass "tuned" runs with ccxt_sim.js's TUNED_OPTIONS, pass "plain" with none.
// Every HTTP call ccxt makes: method, path, and on failure ccxt's error
// (which quotes the sim's answer).
const calls = [];
function logCalls(e) {
    const origFetch = e.fetch.bind(e);
    e.fetch = async (url, method = 'GET', headers = undefined, body = undefined) => {
        const path = url.replace(BASE, '').replace(/([?&])(signature|timestamp)=[^&]*/g, '$1$2=…');
        try {
            const r = await origFetch(url, method, headers, body);
            calls.push({ method, path, status: 'ok' });
            return r;
        } catch (err) {
            calls.push({ method, path, status: 'ERR', error: String(err.message || err).slice(0, 400) });
            throw err;
        }
    };
}

const results = [];
let passName = '';
async function step(name, fn) {
    name = `[${passName}] ${name}`;
    const before = calls.length;
    const t0 = Date.now();
    try {
        const detail = await fn();
        results.push({ name, ok: true });
        console.log(`PASS ${name}${detail ? ' - ' + detail : ''} (${Date.now() - t0} ms)`);
    } catch (e) {
        results.push({ name, ok: false });
        console.log(`FAIL ${name}: ${e.constructor.name}: ${String(e.message || e).slice(0, 600)}`);
        for (const c of calls.slice(before))
            console.log(`     ${c.method} ${c.path} -> ${c.status}${c.error ? ' ' + c.error : ''}`);
    }
    if (VERBOSE)
        for (const c of calls.slice(before))
            console.log(`     ${c.method} ${c.path} -> ${c.status}`);
}
function check(cond, what) {
    if (!cond)
        throw new Error('check failed: ' + what);
}
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
function withTimeout(p, ms, what) {
    return Promise.race([p, sleep(ms).then(() => { throw new Error(`${what}: nothing within ${ms} ms`); })]);
}

// One run of every step against a fresh client.
async function run(ex) {
    let market, ticker, restingId, restingClientId, filledId;
    pointAtSim(ex, BASE);
    logCalls(ex);
    // ccxt.pro needs an http (not https) agent for ws:// URLs.
    await ex.loadHttpProxyAgent();

    await step('loadMarkets', async () => {
        const markets = await ex.loadMarkets();
        market = markets[SYMBOL];
        check(market, `${SYMBOL} in markets (${Object.keys(markets).join(', ')})`);
        check(market.spot && market.active, 'spot and active');
        check(market.precision.price > 0 && market.precision.amount > 0, 'precisions');
        check(market.limits.cost.min > 0, 'min cost (notional)');
        return `${Object.keys(markets).length} markets; ${SYMBOL} tick ${market.precision.price} step ${market.precision.amount} minCost ${market.limits.cost.min}`;
    });
    await step('fetchTime', async () => {
        const t = await ex.fetchTime();
        check(Math.abs(t - Date.now()) < 5000, 'server time is now');
    });
    await step('fetchStatus', async () => {
        const s = await ex.fetchStatus();
        check(s.status === 'ok', `status ok (${s.status})`);
    });
    await step('fetchTicker', async () => {
        ticker = await ex.fetchTicker(SYMBOL);
        check(ticker.bid > 0 && ticker.ask > ticker.bid, `bid ${ticker.bid} < ask ${ticker.ask}`);
        check(ticker.last > 0, 'last price');
        return `bid ${ticker.bid} ask ${ticker.ask} last ${ticker.last}`;
    });
    await step('fetchTickers', async () => {
        const t = await ex.fetchTickers();
        check(t[SYMBOL] && Object.keys(t).length >= 2, 'all symbols');
        return Object.keys(t).join(', ');
    });
    await step('fetchBidsAsks', async () => {
        const t = await ex.fetchBidsAsks([SYMBOL]);
        check(t[SYMBOL] && t[SYMBOL].bid > 0, 'bookTicker bid');
    });
    await step('fetchLastPrices', async () => {
        const t = await ex.fetchLastPrices([SYMBOL]);
        check(t[SYMBOL] && t[SYMBOL].price > 0, 'ticker/price');
    });
    await step('fetchOrderBook', async () => {
        const book = await ex.fetchOrderBook(SYMBOL, 20);
        check(book.bids.length > 0 && book.asks.length > 0, 'both sides');
        check(book.bids[0][0] < book.asks[0][0], 'not crossed');
        check(book.nonce > 0, 'nonce = lastUpdateId');
        return `${book.bids.length}x${book.asks.length} levels, nonce ${book.nonce}`;
    });
    await step('fetchTrades', async () => {
        const t = await ex.fetchTrades(SYMBOL, undefined, 10);
        return `${t.length} trades`;
    });
    await step('fetchOHLCV', async () => {
        const k = await ex.fetchOHLCV(SYMBOL, '1m', undefined, 5);
        check(k.length > 0 && k.every((c) => c.length === 6 && c[2] >= c[3]), 'candles');
        return `${k.length} candles`;
    });
    let startUsdt;
    await step('fetchBalance', async () => {
        const b = await ex.fetchBalance();
        check(b.USDT && b.USDT.free > 0, 'USDT balance');
        startUsdt = b.USDT.total;
        return `USDT free ${b.USDT.free} used ${b.USDT.used}`;
    });
    await step('fetchTradingFee', async () => {
        const f = await ex.fetchTradingFee(SYMBOL);
        return `maker ${f.maker} taker ${f.taker}`;
    });

    // ---- the user-data stream first, so it sees the orders below ----
    let ordersPromise, balancePromise, wsOk = false;
    await step('watchOrders subscribe (ccxt.pro, WS API userDataStream.subscribe.signature)', async () => {
        ordersPromise = ex.watchOrders(SYMBOL);
        ordersPromise.catch(() => {});
        balancePromise = ex.watchBalance();
        balancePromise.catch(() => {});
        await sleep(700);
        wsOk = true;
    });

    await step('createOrder limit buy (rests)', async () => {
        const price = ex.priceToPrecision(SYMBOL, ticker.bid * 0.9);
        const amount = ex.amountToPrecision(SYMBOL, Math.ceil(6 / price));
        const o = await ex.createOrder(SYMBOL, 'limit', 'buy', amount, price);
        check(o.id && o.status === 'open', `open order (status ${o.status})`);
        restingId = o.id;
        restingClientId = o.clientOrderId;
        return `id ${o.id} clientOrderId ${o.clientOrderId} ${amount} @ ${price}`;
    });
    if (wsOk)
        await step('watchOrders receives the new order', async () => {
            const orders = await withTimeout(ordersPromise, 5000, 'watchOrders');
            check(orders.some((o) => o.id === restingId), `order ${restingId} in ${JSON.stringify(orders.map((o) => o.id))}`);
            const o = orders.find((x) => x.id === restingId);
            return `status ${o.status}, filled ${o.filled}`;
        });
    if (wsOk)
        await step('watchBalance receives outboundAccountPosition', async () => {
            const b = await withTimeout(balancePromise, 5000, 'watchBalance');
            check(b.USDT !== undefined, 'USDT in the pushed balance');
            return `USDT free ${b.USDT.free} used ${b.USDT.used}`;
        });
    await step('fetchOrder', async () => {
        const o = await ex.fetchOrder(restingId, SYMBOL);
        check(o.id === restingId && o.status === 'open' && o.filled === 0, `open, unfilled (${o.status})`);
    });
    await step('fetchOrder by clientOrderId', async () => {
        const o = await ex.fetchOrder(undefined, SYMBOL, { origClientOrderId: restingClientId });
        check(o.id === restingId, 'same order');
    });
    await step('fetchOpenOrders', async () => {
        const oo = await ex.fetchOpenOrders(SYMBOL);
        check(oo.some((o) => o.id === restingId), 'lists the order');
        return `${oo.length} open`;
    });
    if (ex.options.warnOnFetchOpenOrdersWithoutSymbol === false)
        await step('fetchOpenOrders without symbol', async () => {
            const oo = await ex.fetchOpenOrders();
            check(oo.some((o) => o.id === restingId), 'lists the order');
        });
    else
        await step('fetchOpenOrders without symbol: refused by ccxt itself', async () => {
            const before = calls.length;
            const err = await ex.fetchOpenOrders().then(() => null, (e) => e);
            check(err && /WARNING/.test(err.message), 'ccxt\'s warning');
            check(calls.length === before, 'no request sent');
            return 'as on Binance; options.warnOnFetchOpenOrdersWithoutSymbol = false lifts it';
        });
    await step('cancelOrder', async () => {
        const o = await ex.cancelOrder(restingId, SYMBOL);
        check(o.status === 'canceled', `canceled (${o.status})`);
    });
    if (wsOk)
        await step('watchOrders receives the cancel', async () => {
            const orders = await withTimeout(ex.watchOrders(SYMBOL), 5000, 'watchOrders');
            const o = orders.find((x) => x.id === restingId);
            check(o && o.status === 'canceled', `canceled push (${o && o.status})`);
        });
    await step('createOrder limit buy IOC (marketable)', async () => {
        const price = ex.priceToPrecision(SYMBOL, ticker.ask * 1.02);
        const o = await ex.createOrder(SYMBOL, 'limit', 'buy', 10, price, { timeInForce: 'IOC' });
        check(o.status === 'closed' && o.filled === 10, `filled (${o.status}, ${o.filled})`);
        check(o.fee === undefined || o.fee.currency === 'USDT' || o.fees.length > 0, 'fee');
        filledId = o.id;
        return `avg ${o.average} cost ${o.cost} fee ${JSON.stringify(o.fee || o.fees)}`;
    });
    await step('createOrder market sell', async () => {
        const o = await ex.createOrder(SYMBOL, 'market', 'sell', 10);
        check(o.status === 'closed' && o.filled === 10, `filled (${o.status}, ${o.filled})`);
    });
    await step('createOrder market buy by cost (quoteOrderQty)', async () => {
        const o = await ex.createMarketBuyOrderWithCost(SYMBOL, 12);
        check(o.status === 'closed' && o.cost <= 12 && o.cost > 11, `cost ${o.cost}`);
        return `amount ${o.filled} cost ${o.cost}`;
    });
    await step('fetchOrders (allOrders)', async () => {
        const all = await ex.fetchOrders(SYMBOL);
        check(all.some((o) => o.id === restingId && o.status === 'canceled'), 'canceled order listed');
        check(all.some((o) => o.id === filledId && o.status === 'closed'), 'filled order listed');
        return `${all.length} orders`;
    });
    await step('fetchClosedOrders', async () => {
        const cl = await ex.fetchClosedOrders(SYMBOL);
        check(cl.some((o) => o.id === filledId), 'filled order listed');
    });
    await step('fetchCanceledOrders', async () => {
        const cl = await ex.fetchCanceledOrders(SYMBOL);
        check(cl.some((o) => o.id === restingId), 'canceled order listed');
    });
    await step('fetchMyTrades', async () => {
        const t = await ex.fetchMyTrades(SYMBOL);
        check(t.some((x) => x.order === filledId), 'trades of the filled order');
        const f = t.find((x) => x.order === filledId);
        check(f.fee && f.fee.currency === 'USDT' && f.fee.cost > 0, 'fee in USDT');
        return `${t.length} trades`;
    });
    await step('fetchOrderTrades', async () => {
        const t = await ex.fetchOrderTrades(filledId, SYMBOL);
        check(t.length > 0 && t.every((x) => x.order === filledId), 'trades of one order');
    });
    await step('cancelAllOrders', async () => {
        const price = ex.priceToPrecision(SYMBOL, ticker.bid * 0.9);
        await ex.createOrder(SYMBOL, 'limit', 'buy', ex.amountToPrecision(SYMBOL, Math.ceil(6 / price)), price);
        await ex.cancelAllOrders(SYMBOL);
        const oo = await ex.fetchOpenOrders(SYMBOL);
        check(oo.length === 0, 'nothing open');
    });
    await step('fetchBalance after trading', async () => {
        const b = await ex.fetchBalance();
        check(b.USDT.used === 0, 'nothing locked');
        return `USDT ${startUsdt} -> ${b.USDT.total}, ALPHA ${b.ALPHA ? b.ALPHA.total : 0}`;
    });
    await step('watchTicker (ccxt.pro market stream)', async () => {
        const t = await withTimeout(ex.watchTicker(SYMBOL), 5000, 'watchTicker');
        check(t.last > 0, 'last');
    });
    await step('watchOrderBook (snapshot + @depth diffs)', async () => {
        const b = await withTimeout(ex.watchOrderBook(SYMBOL), 8000, 'watchOrderBook');
        check(b.bids.length > 0 && b.asks.length > 0 && b.bids[0][0] < b.asks[0][0], 'a sane book');
        const b2 = await withTimeout(ex.watchOrderBook(SYMBOL), 8000, 'watchOrderBook update');
        check(b2.nonce >= b.nonce, 'nonce advances');
        return `nonce ${b2.nonce}, best ${b2.bids[0][0]} / ${b2.asks[0][0]}`;
    });
    await step('watchTrades', async () => {
        const t = await withTimeout(ex.watchTrades(SYMBOL), 8000, 'watchTrades');
        check(t.length > 0, 'a trade');
    });
    await step('watchBidsAsks (bookTicker)', async () => {
        const t = await withTimeout(ex.watchBidsAsks([SYMBOL]), 5000, 'watchBidsAsks');
        check(t[SYMBOL] && t[SYMBOL].bid > 0, 'bid');
    });

    await ex.close();
}

(async () => {
    if (PASS !== 'plain') {
        passName = 'tuned';
        await run(new ccxt.pro.binance({ apiKey: KEY, secret: SECRET, ...TUNED_OPTIONS }));
    }
    if (PASS !== 'tuned') {
        passName = 'plain';
        await run(new ccxt.pro.binance({ apiKey: KEY, secret: SECRET }));
    }
    const failed = results.filter((r) => !r.ok);
    console.log(`\nccxt ${ccxt.version}: ${results.length - failed.length} passed, ${failed.length} failed`);
    if (failed.length)
        console.log('failed: ' + failed.map((r) => r.name).join('; '));
    const paths = [...new Set(calls.map((c) => `${c.method} ${c.path.split('?')[0]}`))].sort();
    console.log('endpoints ccxt used: ' + paths.join(', '));
    process.exit(failed.length ? 1 : 0);
})().catch((e) => {
    console.error('ccxt_check crashed:', e);
    process.exit(1);
});
