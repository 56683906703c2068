-- wrk script: replay pre-generated SOAP requests, one per line of a file.
--
--   wrk ... -s bench/wrk/bodies.lua <url> -- <lines-file> <threads>
--
-- Each line is "<SOAPAction>\t<Authorization>\t<body>" (the bench writes the
-- bodies without newlines). Thread i of n takes lines i, i+n, i+2n, ... so
-- threads never send the same line (fresh pincode ciphertexts stay fresh).
-- Requests are formatted once in init(): request() only picks the next one,
-- which keeps wrk's own CPU per request low.
--
-- Bodies may carry UNIQUE_MARK (16 characters, e.g. in a free-text field):
-- each request then gets it replaced by a value never sent before — the run's
-- tag (BENCH_RUN_TAG, 8 characters, from the bench; random otherwise), the
-- thread and a counter — so a gateway that answers identical resubmissions
-- from its first receipt still does the whole work of a new certificate for
-- every request. The request is pre-split around the marker in init(), so
-- request() only joins three strings of the same length as before.
--
-- done() prints one line "BENCH_JSON {...}" for the bench to parse:
-- requests, duration, errors (incl. non-2xx), latency percentiles in µs, the
-- CPU seconds wrk itself used, and, from response(), how many answers were a
-- SOAP ricevutaOk, a ricevutaNonOk or a fault, so a misconfigured run cannot
-- pass off refusals as throughput.

local counter = 0
local threads = {}

function setup(thread)
  thread:set("id", counter)
  table.insert(threads, thread)
  counter = counter + 1
end

local UNIQUE_MARK = "~~~~~~~~~~~~~~~~"
local requests_list = {}
local heads = {}
local tails = {}
local run_tag = nil
local sent = 0
local count = 0
local index = 0
wraps = 0
ok = 0
nonok = 0
fault = 0
non2xx = 0
other = 0

function init(args)
  local file = args[1]
  local nthreads = tonumber(args[2] or "1")
  local f = assert(io.open(file, "r"), "cannot open " .. tostring(file))
  local i = 0
  for line in f:lines() do
    if i % nthreads == id then
      local action, auth, body = line:match("^([^\t]*)\t([^\t]*)\t(.*)$")
      assert(body, "bad line " .. i .. " in " .. file)
      local headers = {
        ["Content-Type"] = "text/xml; charset=utf-8",
        ["SOAPAction"] = '"' .. action .. '"',
      }
      if auth ~= "" then headers["Authorization"] = auth end
      count = count + 1
      local formatted = wrk.format("POST", nil, headers, body)
      requests_list[count] = formatted
      local s, e = formatted:find(UNIQUE_MARK, 1, true)
      if s then
        heads[count] = formatted:sub(1, s - 1)
        tails[count] = formatted:sub(e + 1)
      end
    end
    i = i + 1
  end
  f:close()
  assert(count > 0, "no lines for thread " .. id .. " in " .. file)
  run_tag = os.getenv("BENCH_RUN_TAG")
  if run_tag == nil or #run_tag ~= 8 then
    math.randomseed(os.time() + id * 7919)
    run_tag = string.format("%08x", math.random(0, 0x7fffffff))
  end
end

function request()
  index = index + 1
  if index > count then
    index = 1
    wraps = wraps + 1
  end
  local head = heads[index]
  if head == nil then return requests_list[index] end
  sent = sent + 1
  return head .. run_tag .. string.format("%02x%06x", id % 256, sent % 0x1000000) .. tails[index]
end

-- Plain find (no patterns): a few hundred bytes per answer, cheap next to the server's work.
function response(status, headers, body)
  if status < 200 or status > 299 then
    non2xx = non2xx + 1
  end
  if body:find("ricevutaNonOk", 1, true) then
    nonok = nonok + 1
  elseif body:find(":Fault>", 1, true) or body:find("<Fault>", 1, true) then
    fault = fault + 1
  elseif body:find("ricevutaOk", 1, true) then
    ok = ok + 1
  else
    other = other + 1
  end
end

function done(summary, latency, requests)
  local agg = { ok = 0, nonok = 0, fault = 0, non2xx = 0, other = 0, wraps = 0 }
  for _, t in ipairs(threads) do
    for k, _ in pairs(agg) do
      agg[k] = agg[k] + (t:get(k) or 0)
    end
  end
  local e = summary.errors
  local parts = {
    string.format('"requests":%d', summary.requests),
    string.format('"duration_us":%d', summary.duration),
    string.format('"bytes":%d', summary.bytes),
    string.format('"errors":{"connect":%d,"read":%d,"write":%d,"status":%d,"timeout":%d}',
      e.connect, e.read, e.write, e.status, e.timeout),
    string.format('"latency_us":{"min":%d,"mean":%.1f,"p50":%d,"p90":%d,"p99":%d,"p999":%d,"max":%d,"stdev":%.1f}',
      latency.min, latency.mean, latency:percentile(50), latency:percentile(90),
      latency:percentile(99), latency:percentile(99.9), latency.max, latency.stdev),
    string.format('"answers":{"ok":%d,"nonok":%d,"fault":%d,"non2xx":%d,"other":%d}',
      agg.ok, agg.nonok, agg.fault, agg.non2xx, agg.other),
    string.format('"wraps":%d', agg.wraps),
    -- clock() is the CPU time of the whole wrk process (all its threads).
    string.format('"wrk_cpu_s":%.3f', os.clock()),
  }
  io.write("BENCH_JSON {" .. table.concat(parts, ",") .. "}\n")
end
