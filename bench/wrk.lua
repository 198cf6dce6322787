-- wrk script for bench/bench.py.
--
-- Environment:
--   BENCH_BODY_FILE  if set, every request is a POST with this file as its body
--                    (wrk.format adds Content-Length)
--   BENCH_WRK_OUT    done() writes one JSON object here: the summary, wrk's own percentiles
--                    (p50/p75/p90/p99/p99.9) and the full latency histogram as [[usec, count], ...],
--                    so that bench.py can merge rounds and compute exact percentiles.

local body_file = os.getenv("BENCH_BODY_FILE")
if body_file and body_file ~= "" then
   local f = assert(io.open(body_file, "rb"))
   wrk.method = "POST"
   wrk.body = f:read("*a")
   f:close()
   wrk.headers["Content-Type"] = "application/octet-stream"
end

done = function(summary, latency, requests)
   local out = os.getenv("BENCH_WRK_OUT")
   if not out or out == "" then
      return
   end
   local f = assert(io.open(out, "w"))
   local e = summary.errors
   local n = #latency
   local function fin(x) -- NaN/inf (stdev of one sample) is not JSON
      if x ~= x or x == math.huge or x == -math.huge then return 0 end
      return x
   end
   local function pct(p)
      if n == 0 then return 0 end
      return latency:percentile(p)
   end
   f:write(string.format(
      '{"requests": %d, "duration_us": %d, "bytes": %d, ' ..
      '"errors": {"connect": %d, "read": %d, "write": %d, "status": %d, "timeout": %d}, ',
      summary.requests, summary.duration, summary.bytes,
      e.connect, e.read, e.write, e.status, e.timeout))
   f:write(string.format(
      '"latency": {"min": %d, "max": %d, "mean": %.3f, "stdev": %.3f, ' ..
      '"p50": %d, "p75": %d, "p90": %d, "p99": %d, "p999": %d, "hist": [',
      n > 0 and latency.min or 0, n > 0 and latency.max or 0,
      n > 0 and fin(latency.mean) or 0, n > 0 and fin(latency.stdev) or 0,
      pct(50), pct(75), pct(90), pct(99), pct(99.9)))
   -- latency(i) is the i-th distinct recorded value (usec) and its count; #latency their number.
   local parts = {}
   for i = 1, n do
      local value, count = latency(i)
      parts[#parts + 1] = string.format("[%d,%d]", value, count)
   end
   f:write(table.concat(parts, ","))
   f:write("]}}\n")
   f:close()
end
