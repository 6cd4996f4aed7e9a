-- Shared by every scenario: prints one JSON line with throughput, latency percentiles and errors.
-- A scenario may set `count_label` and increment the per-thread global `counted` (e.g. logins).
local threads = {}

function setup(thread)
  table.insert(threads, thread)
end

function report(summary, latency, requests)
  local counted = 0
  for _, thread in ipairs(threads) do
    counted = counted + (thread:get("counted") or 0)
  end
  local errors = summary.errors
  local non2xx = errors.status
  local seconds = summary.duration / 1e6
  io.write(string.format(
    '{"requests":%d,"seconds":%.3f,"rps":%.1f,"p50_ms":%.3f,"p99_ms":%.3f,"max_ms":%.3f,' ..
    '"errors":%d,"non_2xx_3xx":%d,"counted":%d,"counted_per_s":%.1f}\n',
    summary.requests, seconds, summary.requests / seconds, latency:percentile(50) / 1000,
    latency:percentile(99) / 1000, latency.max / 1000,
    errors.connect + errors.read + errors.write + errors.timeout, non2xx, counted, counted / seconds))
end

done = report
