/* builtins.c - the table of workloads compiled into drip.
 *
 * Each pattern folder defines its workloads with the same public contract a
 * plugin uses (drip/workload.h); this table is the only thing that makes
 * them "built in".  Add a pattern: add its files to CMakeLists.txt and its
 * workloads here.
 */
#include <drip/workload.h>
#include <stddef.h>

extern const drip_workload drip_builtin_global_map_leaky;
extern const drip_workload drip_builtin_global_map_fixed;
extern const drip_workload drip_builtin_global_map_fixed_ttl;
extern const drip_workload drip_builtin_blocked_channel_leaky;
extern const drip_workload drip_builtin_blocked_channel_fixed;
extern const drip_workload drip_builtin_unclosed_body_leaky;
extern const drip_workload drip_builtin_unclosed_body_fixed;
extern const drip_workload drip_builtin_slice_retention_leaky;
extern const drip_workload drip_builtin_slice_retention_fixed;
extern const drip_workload drip_builtin_time_after_leaky;
extern const drip_workload drip_builtin_time_after_fixed;
extern const drip_workload drip_builtin_channel_never_closed_leaky;
extern const drip_workload drip_builtin_channel_never_closed_fixed;
extern const drip_workload drip_builtin_missing_cancel_leaky;
extern const drip_workload drip_builtin_missing_cancel_fixed;
extern const drip_workload drip_builtin_lock_wait_leaky;
extern const drip_workload drip_builtin_lock_wait_fixed;
extern const drip_workload drip_builtin_unclosed_file_leaky;
extern const drip_workload drip_builtin_unclosed_file_fixed;
extern const drip_workload drip_builtin_closure_capture_leaky;
extern const drip_workload drip_builtin_closure_capture_fixed;
extern const drip_workload drip_builtin_pointer_key_map_leaky;
extern const drip_workload drip_builtin_pointer_key_map_fixed;
extern const drip_workload drip_builtin_ticker_not_stopped_leaky;
extern const drip_workload drip_builtin_ticker_not_stopped_fixed;
extern const drip_workload drip_builtin_pool_reuse_leaky;
extern const drip_workload drip_builtin_pool_reuse_fixed;

const drip_workload *const drip_builtins[] = {
    &drip_builtin_blocked_channel_leaky,
    &drip_builtin_blocked_channel_fixed,
    &drip_builtin_unclosed_body_leaky,
    &drip_builtin_unclosed_body_fixed,
    &drip_builtin_global_map_leaky,
    &drip_builtin_global_map_fixed,
    &drip_builtin_global_map_fixed_ttl,
    &drip_builtin_slice_retention_leaky,
    &drip_builtin_slice_retention_fixed,
    &drip_builtin_time_after_leaky,
    &drip_builtin_time_after_fixed,
    &drip_builtin_channel_never_closed_leaky,
    &drip_builtin_channel_never_closed_fixed,
    &drip_builtin_missing_cancel_leaky,
    &drip_builtin_missing_cancel_fixed,
    &drip_builtin_lock_wait_leaky,
    &drip_builtin_lock_wait_fixed,
    &drip_builtin_unclosed_file_leaky,
    &drip_builtin_unclosed_file_fixed,
    &drip_builtin_closure_capture_leaky,
    &drip_builtin_closure_capture_fixed,
    &drip_builtin_pointer_key_map_leaky,
    &drip_builtin_pointer_key_map_fixed,
    &drip_builtin_ticker_not_stopped_leaky,
    &drip_builtin_ticker_not_stopped_fixed,
    &drip_builtin_pool_reuse_leaky,
    &drip_builtin_pool_reuse_fixed,
    NULL,
};
