/*
 * render.c - Binance-shaped JSON for the simulator (see render.h).
 *
 * Field order follows Binance's documentation so that a diff against a
 * real answer reads line by line.  Fields that are constant on this venue
 * (no iceberg, no stop price, no self-trade prevention, no order lists) are
 * written as Binance writes them for plain orders.
 */
#include "looptrader/sim/render.h"

#include <stdio.h>
#include <string.h>

void render_str(struct strbuf *sb, const char *s)
{
    strbuf_addch(sb, '"');
    for (const unsigned char *p = (const unsigned char *)(s ? s : ""); *p; p++) {
        if (*p == '"' || *p == '\\') {
            strbuf_addch(sb, '\\');
            strbuf_addch(sb, (char)*p);
        } else if (*p < 0x20) {
            strbuf_addf(sb, "\\u%04x", *p);
        } else {
            strbuf_addch(sb, (char)*p);
        }
    }
    strbuf_addch(sb, '"');
}

void render_money(struct strbuf *sb, money_t v)
{
    char b[MONEY_STR_MAX];
    strbuf_addch(sb, '"');
    strbuf_addstr(sb, money_format(v, MONEY_DECIMALS, b));
    strbuf_addch(sb, '"');
}

void render_level(struct strbuf *sb, money_t price, money_t qty)
{
    strbuf_addch(sb, '[');
    render_money(sb, price);
    strbuf_addch(sb, ',');
    render_money(sb, qty);
    strbuf_addch(sb, ']');
}

void render_levels(struct strbuf *sb, const struct sim_level *l, size_t n)
{
    strbuf_addch(sb, '[');
    for (size_t i = 0; i < n; i++) {
        if (i)
            strbuf_addch(sb, ',');
        render_level(sb, l[i].price, l[i].qty);
    }
    strbuf_addch(sb, ']');
}

void render_money_field(struct strbuf *sb, const char *key, money_t v)
{
    strbuf_addf(sb, ",\"%s\":", key);
    render_money(sb, v);
}

void render_str_field(struct strbuf *sb, const char *key, const char *v)
{
    strbuf_addf(sb, ",\"%s\":", key);
    render_str(sb, v);
}

void render_error(struct strbuf *sb, int code, const char *msg)
{
    strbuf_addf(sb, "{\"code\":%d,\"msg\":", code);
    render_str(sb, msg);
    strbuf_addch(sb, '}');
}

static const char *sym_name(const struct sim_order *o)
{
    return o->rules ? o->rules->symbol : "";
}

/* An order's amounts, status and kind, as every order answer lists them.
 * The place and cancel answers put origQuoteOrderQty among the amounts; the
 * order query has it near the end, so it writes it itself. */
static void order_state(struct strbuf *sb, const struct sim_order *o, int orig_quote)
{
    render_money_field(sb, "price", o->price);
    render_money_field(sb, "origQty", o->orig_qty);
    render_money_field(sb, "executedQty", o->executed_qty);
    if (orig_quote)
        render_money_field(sb, "origQuoteOrderQty", o->orig_quote_qty);
    render_money_field(sb, "cummulativeQuoteQty", o->cumm_quote_qty);
    render_str_field(sb, "status", sim_status_name(o->status));
    render_str_field(sb, "timeInForce", sim_tif_name(o->tif));
    render_str_field(sb, "type", sim_order_type_name(o->type));
    render_str_field(sb, "side", sim_side_name(o->side));
}

void render_order(struct strbuf *sb, const struct sim_order *o)
{
    strbuf_addstr(sb, "{\"symbol\":");
    render_str(sb, sym_name(o));
    strbuf_addf(sb, ",\"orderId\":%lld,\"orderListId\":-1", (long long)o->order_id);
    render_str_field(sb, "clientOrderId", o->client_order_id);
    order_state(sb, o, 0);
    render_money_field(sb, "stopPrice", 0);
    render_money_field(sb, "icebergQty", 0);
    strbuf_addf(sb, ",\"time\":%lld,\"updateTime\":%lld,\"isWorking\":%s,\"workingTime\":%lld",
                (long long)o->time_ms, (long long)o->update_ms, o->is_working ? "true" : "false",
                (long long)(o->working_ms ? o->working_ms : -1));
    render_money_field(sb, "origQuoteOrderQty", o->orig_quote_qty);
    strbuf_addstr(sb, ",\"selfTradePreventionMode\":\"NONE\"}");
}

void render_place(struct strbuf *sb, const struct sim_place_result *r, enum sim_resp_type type)
{
    const struct sim_order *o = &r->order;
    strbuf_addstr(sb, "{\"symbol\":");
    render_str(sb, sym_name(o));
    strbuf_addf(sb, ",\"orderId\":%lld,\"orderListId\":-1", (long long)o->order_id);
    render_str_field(sb, "clientOrderId", o->client_order_id);
    strbuf_addf(sb, ",\"transactTime\":%lld", (long long)o->time_ms);
    if (type == SIM_RESP_ACK) {
        strbuf_addch(sb, '}');
        return;
    }
    order_state(sb, o, 1);
    if (o->working_ms)
        strbuf_addf(sb, ",\"workingTime\":%lld", (long long)o->working_ms);
    strbuf_addstr(sb, ",\"selfTradePreventionMode\":\"NONE\"");
    if (type == SIM_RESP_FULL) {
        strbuf_addstr(sb, ",\"fills\":[");
        for (size_t i = 0; i < r->n_fills; i++) {
            const struct sim_fill *f = &r->fills[i];
            strbuf_addstr(sb, i ? ",{\"price\":" : "{\"price\":");
            render_money(sb, f->price);
            render_money_field(sb, "qty", f->qty);
            render_money_field(sb, "commission", f->commission);
            render_str_field(sb, "commissionAsset", f->commission_asset);
            strbuf_addf(sb, ",\"tradeId\":%lld}", (long long)f->trade_id);
        }
        strbuf_addch(sb, ']');
    }
    strbuf_addch(sb, '}');
}

void render_cancel(struct strbuf *sb, const struct sim_order *o, const char *cancel_client_id,
                   int64_t transact_ms)
{
    strbuf_addstr(sb, "{\"symbol\":");
    render_str(sb, sym_name(o));
    render_str_field(sb, "origClientOrderId", o->client_order_id);
    strbuf_addf(sb, ",\"orderId\":%lld,\"orderListId\":-1", (long long)o->order_id);
    render_str_field(sb, "clientOrderId", cancel_client_id);
    strbuf_addf(sb, ",\"transactTime\":%lld", (long long)transact_ms);
    order_state(sb, o, 1);
    strbuf_addstr(sb, ",\"selfTradePreventionMode\":\"NONE\"}");
}

void render_exec_report(struct strbuf *sb, const struct sim_exec_report *r)
{
    const struct sim_order *o = r->order;
    strbuf_addf(sb, "{\"e\":\"executionReport\",\"E\":%lld", (long long)r->event_ms);
    render_str_field(sb, "s", sym_name(o));
    render_str_field(sb, "c", r->client_id);
    render_str_field(sb, "S", sim_side_name(o->side));
    render_str_field(sb, "o", sim_order_type_name(o->type));
    render_str_field(sb, "f", sim_tif_name(o->tif));
    render_money_field(sb, "q", o->orig_qty);
    render_money_field(sb, "p", o->price);
    render_money_field(sb, "P", 0);
    render_money_field(sb, "F", 0);
    strbuf_addstr(sb, ",\"g\":-1");
    render_str_field(sb, "C", r->orig_client_id ? r->orig_client_id : "");
    render_str_field(sb, "x", sim_exec_type_name(r->exec_type));
    render_str_field(sb, "X", sim_status_name(o->status));
    render_str_field(sb, "r", r->reject_reason ? r->reject_reason : "NONE");
    strbuf_addf(sb, ",\"i\":%lld", (long long)o->order_id);
    render_money_field(sb, "l", r->last_qty);
    render_money_field(sb, "z", o->executed_qty);
    render_money_field(sb, "L", r->last_price);
    render_money_field(sb, "n", r->commission);
    if (r->commission_asset)
        render_str_field(sb, "N", r->commission_asset);
    else
        strbuf_addstr(sb, ",\"N\":null");
    strbuf_addf(sb, ",\"T\":%lld,\"t\":%lld,\"I\":%lld,\"w\":%s,\"m\":%s,\"M\":false",
                (long long)r->transact_ms, (long long)r->trade_id, (long long)r->exec_id,
                o->is_working ? "true" : "false", r->is_maker ? "true" : "false");
    strbuf_addf(sb, ",\"O\":%lld", (long long)o->time_ms);
    render_money_field(sb, "Z", o->cumm_quote_qty);
    render_money_field(sb, "Y", r->last_quote_qty);
    render_money_field(sb, "Q", o->orig_quote_qty);
    if (o->working_ms)
        strbuf_addf(sb, ",\"W\":%lld", (long long)o->working_ms);
    strbuf_addstr(sb, ",\"V\":\"NONE\"}");
}

void render_account_position(struct strbuf *sb, int64_t event_ms, const struct sim_balance *b,
                             size_t n)
{
    strbuf_addf(sb, "{\"e\":\"outboundAccountPosition\",\"E\":%lld,\"u\":%lld,\"B\":[",
                (long long)event_ms, (long long)event_ms);
    for (size_t i = 0; i < n; i++) {
        strbuf_addstr(sb, i ? ",{\"a\":" : "{\"a\":");
        render_str(sb, b[i].asset);
        render_money_field(sb, "f", b[i].free);
        render_money_field(sb, "l", b[i].locked);
        strbuf_addch(sb, '}');
    }
    strbuf_addstr(sb, "]}");
}

void render_symbol_info(struct strbuf *sb, const struct symbol_rules *r)
{
    money_t max_price = r->max_price ? r->max_price : 1000000 * MONEY_SCALE;
    money_t max_qty = r->max_qty ? r->max_qty : 9000000 * MONEY_SCALE;
    money_t max_notional = r->max_notional ? r->max_notional : 9000000 * MONEY_SCALE;

    strbuf_addstr(sb, "{\"symbol\":");
    render_str(sb, r->symbol);
    render_str_field(sb, "status", r->trading ? "TRADING" : "BREAK");
    render_str_field(sb, "baseAsset", r->base);
    strbuf_addf(sb, ",\"baseAssetPrecision\":%d", r->base_precision);
    render_str_field(sb, "quoteAsset", r->quote);
    strbuf_addf(sb,
                ",\"quotePrecision\":%d,\"quoteAssetPrecision\":%d,"
                "\"baseCommissionPrecision\":%d,\"quoteCommissionPrecision\":%d",
                r->quote_precision, r->quote_precision, r->base_precision, r->quote_precision);
    strbuf_addstr(sb, ",\"orderTypes\":[\"LIMIT\",\"LIMIT_MAKER\",\"MARKET\"],"
                      "\"icebergAllowed\":false,\"ocoAllowed\":false,\"otoAllowed\":false,\"opoAllowed\":false,"
                      "\"quoteOrderQtyMarketAllowed\":true,\"allowTrailingStop\":false,"
                      "\"cancelReplaceAllowed\":false,\"amendAllowed\":false,"
                      "\"pegInstructionsAllowed\":false,\"isSpotTradingAllowed\":true,"
                      "\"isMarginTradingAllowed\":false,\"filters\":[");
    strbuf_addstr(sb, "{\"filterType\":\"PRICE_FILTER\"");
    render_money_field(sb, "minPrice", r->min_price ? r->min_price : r->tick_size);
    render_money_field(sb, "maxPrice", max_price);
    render_money_field(sb, "tickSize", r->tick_size);
    strbuf_addstr(sb, "},{\"filterType\":\"LOT_SIZE\"");
    render_money_field(sb, "minQty", r->min_qty ? r->min_qty : r->step_size);
    render_money_field(sb, "maxQty", max_qty);
    render_money_field(sb, "stepSize", r->step_size);
    strbuf_addstr(sb, "},{\"filterType\":\"MARKET_LOT_SIZE\"");
    render_money_field(sb, "minQty", 0);
    render_money_field(sb, "maxQty", max_qty);
    render_money_field(sb, "stepSize", 0);
    strbuf_addstr(sb, "},{\"filterType\":\"MIN_NOTIONAL\"");
    render_money_field(sb, "minNotional", r->min_notional);
    strbuf_addstr(sb, ",\"applyToMarket\":true,\"avgPriceMins\":5},{\"filterType\":\"NOTIONAL\"");
    render_money_field(sb, "minNotional", r->min_notional);
    strbuf_addstr(sb, ",\"applyMinToMarket\":true");
    render_money_field(sb, "maxNotional", max_notional);
    strbuf_addstr(sb, ",\"applyMaxToMarket\":false,\"avgPriceMins\":5}],"
                      "\"permissions\":[],\"permissionSets\":[[\"SPOT\"]],"
                      "\"defaultSelfTradePreventionMode\":\"NONE\","
                      "\"allowedSelfTradePreventionModes\":[\"NONE\"]}");
}

void render_rate_limits(struct strbuf *sb, const struct simconf_limits *l)
{
    strbuf_addf(sb,
                "[{\"rateLimitType\":\"REQUEST_WEIGHT\",\"interval\":\"MINUTE\","
                "\"intervalNum\":1,\"limit\":%d},"
                "{\"rateLimitType\":\"ORDERS\",\"interval\":\"SECOND\",\"intervalNum\":10,"
                "\"limit\":%d},"
                "{\"rateLimitType\":\"ORDERS\",\"interval\":\"DAY\",\"intervalNum\":1,"
                "\"limit\":%d},"
                "{\"rateLimitType\":\"RAW_REQUESTS\",\"interval\":\"MINUTE\","
                "\"intervalNum\":5,\"limit\":61000}]",
                l->weight_per_minute > 0 ? l->weight_per_minute : 6000,
                l->orders_per_10s > 0 ? l->orders_per_10s : 100,
                l->orders_per_day > 0 ? l->orders_per_day : 200000);
}
