-- wrk script for bench/load.
--
-- The request comes from the environment: BENCH_METHOD (default GET) and BENCH_BODY (a file
-- sent as the JSON body, optional). BENCH_THINK_MS (default 0) makes each connection pause that
-- long before its next request, so the clients no longer keep the server saturated. Each thread counts its answers by status, and the 503s that
-- carry Retry-After; done() adds the threads up and prints one line that bench/load parses:
--
--   BENCH requests=N duration_us=N p50_us=N p99_us=N max_us=N connect=N read=N write=N
--         timeout=N statuses=200:N,503:N retry_after_503=N
--
-- Defining response() makes wrk parse every answer's headers, which costs the client a little;
-- it is the only way to see statuses other than "> 399" and the Retry-After header.

local method = os.getenv("BENCH_METHOD") or "GET"
local body_file = os.getenv("BENCH_BODY") or ""

wrk.method = method
if body_file ~= "" then
   local file = assert(io.open(body_file, "rb"))
   wrk.body = file:read("*a")
   file:close()
   wrk.headers["Content-Type"] = "application/json"
end

local think_ms = tonumber(os.getenv("BENCH_THINK_MS") or "0") or 0
if think_ms > 0 then
   function delay()
      return think_ms
   end
end

local threads = {}

function setup(thread)
   table.insert(threads, thread)
end

function init(args)
   statuses = {}
   retry_after_503 = 0
end

function response(status, headers, body)
   statuses[status] = (statuses[status] or 0) + 1
   if status == 503 and (headers["retry-after"] or headers["Retry-After"]) then
      retry_after_503 = retry_after_503 + 1
   end
end

function done(summary, latency, requests)
   local total = {}
   local retried = 0
   for _, thread in ipairs(threads) do
      for status, count in pairs(thread:get("statuses")) do
         total[status] = (total[status] or 0) + count
      end
      retried = retried + thread:get("retry_after_503")
   end
   local keys = {}
   for status in pairs(total) do
      table.insert(keys, status)
   end
   table.sort(keys)
   local parts = {}
   for _, status in ipairs(keys) do
      table.insert(parts, string.format("%d:%d", status, total[status]))
   end
   local e = summary.errors
   io.write(string.format(
      "BENCH requests=%d duration_us=%d p50_us=%d p99_us=%d max_us=%d connect=%d read=%d write=%d timeout=%d statuses=%s retry_after_503=%d\n",
      summary.requests, summary.duration,
      latency:percentile(50.0), latency:percentile(99.0), latency.max,
      e.connect, e.read, e.write, e.timeout,
      #parts > 0 and table.concat(parts, ",") or "none", retried))
end
