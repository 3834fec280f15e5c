// ccxt_sim.js - what every script that drives looptrader-sim with ccxt needs:
// pointing a ccxt.pro binance object at the simulator's base URL, and the
// options that keep ccxt to the spot endpoints and off client-side guards.
// Used by ccxt_check.js (make compat) and ccxt_ref.js (make bench).
'use strict';

// Spot only, no wallet or margin endpoints, no client-side rate limiting or
// warnings.
const TUNED_OPTIONS = {
    enableRateLimit: false,
    timeout: 10000,
    options: {
        defaultType: 'spot',
        fetchMarkets: { types: ['spot'] },  // no futures/options endpoints
        fetchCurrencies: false,             // no /sapi/v1/capital/config/getall
        fetchMargins: false,                // no /sapi/v1/margin/*allPairs
        adjustForTimeDifference: false,
        warnOnFetchOpenOrdersWithoutSymbol: false,
    },
};

// Every REST URL of e to base (http://127.0.0.1:PORT), its market and WS API
// streams to the same port over ws://.
function pointAtSim(e, base) {
    const ws = base.replace(/^http/, 'ws');
    for (const k of Object.keys(e.urls.api))
        if (typeof e.urls.api[k] === 'string')
            e.urls.api[k] = e.urls.api[k].replace(/^https:\/\/[^/]+/, base);
    if (e.urls.api.ws) {
        e.urls.api.ws.spot = ws + '/ws';
        e.urls.api.ws['ws-api'].spot = ws + '/ws-api/v3';
    }
}

module.exports = { TUNED_OPTIONS, pointAtSim };
