#ifndef TIFFIN_CRDKAFKA_SHIM_H
#define TIFFIN_CRDKAFKA_SHIM_H
// librdkafka for Swift: the two public headers (rdkafka.h must come first) plus small inline
// helpers for the variadic calls Swift cannot import.
#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>

/// Produce one message with key, value, record timestamp (ms since the epoch; 0 = now) and
/// headers (may be NULL). `rd_kafka_producev` is variadic, so Swift reaches it through this
/// helper. The payload is copied; `opaque` comes back in the delivery report. On success
/// librdkafka owns `headers`; on failure the caller still does and must destroy them.
static inline rd_kafka_resp_err_t tiffin_produce_headers(rd_kafka_t *rk, const char *topic,
                                                         int32_t partition,
                                                         const void *key, size_t key_len,
                                                         const void *value, size_t value_len,
                                                         int64_t timestamp_ms,
                                                         rd_kafka_headers_t *headers,
                                                         void *opaque) {
    return rd_kafka_producev(rk,
                             RD_KAFKA_V_TOPIC(topic),
                             RD_KAFKA_V_PARTITION(partition),
                             RD_KAFKA_V_KEY(key, key_len),
                             RD_KAFKA_V_VALUE((void *)value, value_len),
                             RD_KAFKA_V_TIMESTAMP(timestamp_ms),
                             RD_KAFKA_V_HEADERS(headers),
                             RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
                             RD_KAFKA_V_OPAQUE(opaque),
                             RD_KAFKA_V_END);
}

/// The same for a topic handle the caller keeps (`rd_kafka_topic_new`), without headers: no
/// lookup of the topic by name per message.
static inline rd_kafka_resp_err_t tiffin_produce_rkt(rd_kafka_t *rk, rd_kafka_topic_t *rkt,
                                                     const void *key, size_t key_len,
                                                     const void *value, size_t value_len,
                                                     int64_t timestamp_ms, void *opaque) {
    return rd_kafka_producev(rk,
                             RD_KAFKA_V_RKT(rkt),
                             RD_KAFKA_V_KEY(key, key_len),
                             RD_KAFKA_V_VALUE((void *)value, value_len),
                             RD_KAFKA_V_TIMESTAMP(timestamp_ms),
                             RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
                             RD_KAFKA_V_OPAQUE(opaque),
                             RD_KAFKA_V_END);
}

/* glibc's malloc_trim: Swift's Glibc module leaves malloc.h out. */
#include <malloc.h>
static inline int tiffin_malloc_trim(void) { return malloc_trim(0); }
static inline int tiffin_malloc_arena_max(int arenas) { return mallopt(M_ARENA_MAX, arenas); }

#endif
