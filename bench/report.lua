-- wrk script: carries the session cookie (BENCH_COOKIE), optionally waits a think time between requests
-- (BENCH_THINK_MS, mean, uniform 0..2x), and prints its figures as one JSON line that bench/run.py reads.
local cookie = os.getenv("BENCH_COOKIE")
if cookie and cookie ~= "" then
  wrk.headers["Cookie"] = cookie
end
local think = tonumber(os.getenv("BENCH_THINK_MS") or "0")

function delay()
  if think > 0 then
    return math.random(0, 2 * think)
  end
  return 0
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'BENCH_JSON {"requests": %d, "duration_us": %d, "bytes": %d, "status_errors": %d, ' ..
    '"socket_errors": %d, "p50_us": %d, "p95_us": %d, "p99_us": %d, "mean_us": %.1f, "max_us": %d}\n',
    summary.requests, summary.duration, summary.bytes, e.status, e.connect + e.read + e.write + e.timeout,
    latency:percentile(50), latency:percentile(95), latency:percentile(99), latency.mean, latency.max))
end
