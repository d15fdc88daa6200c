-- wrk script of scripts/bench-server.sh: authorized reads of subjects' fields,
-- GET /v1/subjects/{id}/fields?purpose=P with "Authorization: Bearer <token>".
--
-- Environment:
--   BENCH_TOKEN     the API key (the bare server ignores it, but gets the same request bytes)
--   BENCH_IDS_FILE  subject ids, one per line: one id gives the same request every time (wrk
--                   sends it as is); several are read in a random order, a different one per
--                   request (each thread seeded apart)
--   BENCH_PURPOSE   the purpose to read for (default "service")
--
-- After the run it prints one line for the script to parse:
--   RESULT requests=N seconds=S rps=R p50_us=… p90_us=… p99_us=… max_us=… non2xx=…
--          connect=… read=… write=… timeout=…
-- (on one line; the latencies are wrk's, which leaves out the answers slower than its timeout
-- and counts them under timeout).

local function load_ids()
  local path = os.getenv("BENCH_IDS_FILE")
  assert(path, "BENCH_IDS_FILE is not set")
  local ids = {}
  for line in io.lines(path) do
    if line ~= "" then ids[#ids + 1] = line end
  end
  assert(#ids > 0, path .. " holds no subject id")
  return ids
end

local ids = load_ids()
local purpose = os.getenv("BENCH_PURPOSE") or "service"
local token = os.getenv("BENCH_TOKEN")
assert(token, "BENCH_TOKEN is not set")

local function path_of(id)
  return "/v1/subjects/" .. id .. "/fields?purpose=" .. purpose
end

wrk.method = "GET"
wrk.headers["Authorization"] = "Bearer " .. token
wrk.path = path_of(ids[1])

local next_thread = 0
function setup(thread)
  next_thread = next_thread + 1
  thread:set("thread_number", next_thread)
end

local requests_by_subject = nil
function init(args)
  if #ids == 1 then return end
  math.randomseed(1000003 * (thread_number or 1) + os.time())
  requests_by_subject = {}
  for i, id in ipairs(ids) do
    requests_by_subject[i] = wrk.format(nil, path_of(id))
  end
end

-- Defined only when there is more than one subject, so that wrk sends a single subject's
-- request pre-built, as it does for the bare server.
if #ids > 1 then
  function request()
    return requests_by_subject[math.random(#requests_by_subject)]
  end
end

function done(summary, latency, requests)
  local e = summary.errors
  local seconds = summary.duration / 1e6
  io.write(string.format(
    "RESULT requests=%d seconds=%.3f rps=%.1f p50_us=%d p90_us=%d p99_us=%d max_us=%d " ..
    "non2xx=%d connect=%d read=%d write=%d timeout=%d\n",
    summary.requests, seconds, summary.requests / seconds,
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max,
    e.status, e.connect, e.read, e.write, e.timeout))
end
