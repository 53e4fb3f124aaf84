/* json_rows.h - shorthands for writing the rows of a key table
 * (json_keys.c, json_passes.c; the rows are described in json_keys.h).
 *
 * #define T as the struct a table describes before its rows, #undef it
 * after.  Each shorthand takes the key, the field and what the kind needs;
 * more designated initializers (.present, .omit...) may follow.
 */
#ifndef DRIP_RESULTS_JSON_ROWS_H
#define DRIP_RESULTS_JSON_ROWS_H

#include <stddef.h>

#include "json_keys.h"

/* a row of kind K for field F */
#define ROW(K, key_, F, ...) {.key = (key_), .kind = DRIP_J_##K, .off = offsetof(T, F), __VA_ARGS__}
#define STR(key, F, ...)  ROW(STR, key, F, __VA_ARGS__)
#define U64(key, F, ...)  ROW(U64, key, F, __VA_ARGS__)
#define UINT(key, F, ...) ROW(UINT, key, F, __VA_ARGS__)
#define SIZE(key, F, ...) ROW(SIZE, key, F, __VA_ARGS__)
#define INT(key, F, ...)  ROW(INT, key, F, __VA_ARGS__)
#define NUM(key, F, ...)  ROW(NUM, key, F, __VA_ARGS__)
#define BOOL(key, F, ...) ROW(BOOL, key, F, __VA_ARGS__)
#define ENUM(key, F, E, ...) ROW(ENUM, key, F, .names = (E), __VA_ARGS__)
/* an object of table S over the same struct (a group of its fields) */
#define GROUP(k_, S, ...) {.key = (k_), .kind = DRIP_J_OBJECT, .off = 0, .sub = (S), __VA_ARGS__}
/* an object of table S over the struct field F */
#define OBJECT(key, F, S, ...) ROW(OBJECT, key, F, .sub = (S), __VA_ARGS__)
/* an array of table S over the elements F[0..N) of type E */
#define ARRAY(key, F, N, E, S, ...) ROW(ARRAY, key, F, .count = offsetof(T, N), \
                                        .size = sizeof(E), .sub = (S), __VA_ARGS__)
#define EACH(E, S, ...) {.kind = DRIP_J_EACH, .names = (E), .sub = (S), __VA_ARGS__}
#define LIST(k_, name_key_, E, S, ...) {.key = (k_), .kind = DRIP_J_LIST, .names = (E), \
                                         .name_key = (name_key_), .sub = (S), __VA_ARGS__}
#define CUSTOM(k_, put_, get_, ...) {.key = (k_), .kind = DRIP_J_CUSTOM, .put = (put_), \
                                      .get = (get_), __VA_ARGS__}
/* null unless the bool F is true; the reader sets it for a value */
#define FLAG(F) .flag = offsetof(T, F) + 1

#endif /* DRIP_RESULTS_JSON_ROWS_H */
