-- SPDX-License-Identifier: MIT
--
-- The one wrk script of bench/run.sh, set up through the environment (so
-- that no token or password shows on a command line):
--
--   BENCH_MODE     get (default) | register | accept | pair
--   BENCH_AUTH     Authorization header value (Bearer ... or Basic ...)
--   BENCH_INM      If-None-Match header value
--   BENCH_EXPECT   the status that counts as done: 200, 304, or 2xx
--   BENCH_LIMIT    writes: stop after this many requests in all
--   BENCH_IDS      accept: pending peer ids; pair: the new peers (one a line)
--   BENCH_PARTNERS pair: the peers to pair them with
--
-- done() prints one line that run.sh reads:
--   BENCH ok=N bad=N secs=S rps=R p50_ms=X p99_ms=Y status=FIRST_BAD_STATUS
-- where rps counts only answers with the expected status: a run that got
-- errors does not pass them off as throughput.

local threads = {}
local counter = 0

function setup(thread)
	thread:set("tid", counter)
	table.insert(threads, thread)
	counter = counter + 1
end

local function lines(path)
	local t = {}
	if path == nil or path == "" then
		return t
	end
	for l in io.lines(path) do
		if l ~= "" then
			table.insert(t, l)
		end
	end
	return t
end

local b64chars = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"

-- 32 random bytes as standard base64 (a WireGuard public key's shape; any
-- 32 bytes but the few low-order points are a valid X25519 public key).
local function random_key()
	local bytes = {}
	for i = 1, 33 do
		bytes[i] = math.random(0, 255)
	end
	bytes[33] = 0
	local out = {}
	for i = 1, 33, 3 do
		local n = bytes[i] * 65536 + bytes[i + 1] * 256 + bytes[i + 2]
		for k = 3, 0, -1 do
			local c = math.floor(n / (64 ^ k)) % 64
			table.insert(out, b64chars:sub(c + 1, c + 1))
		end
	end
	-- 33 bytes give 44 characters; 32 bytes end in one '=' instead.
	return table.concat(out):sub(1, 43) .. "="
end

local mode, expect, limit
local ids, partners = {}, {}
local n = 0
local headers = {}
local ok, bad, badstatus = 0, 0, 0

function init(args)
	mode = os.getenv("BENCH_MODE") or "get"
	expect = os.getenv("BENCH_EXPECT") or "200"
	limit = tonumber(os.getenv("BENCH_LIMIT") or "0")
	tid = tid or 0
	local auth = os.getenv("BENCH_AUTH")
	if auth and auth ~= "" then
		headers["Authorization"] = auth
	end
	local inm = os.getenv("BENCH_INM")
	if inm and inm ~= "" then
		headers["If-None-Match"] = inm
	end
	if mode ~= "get" then
		headers["Content-Type"] = "application/json"
	end
	if mode == "accept" or mode == "pair" then
		ids = lines(os.getenv("BENCH_IDS"))
		partners = lines(os.getenv("BENCH_PARTNERS"))
	end
	math.randomseed(os.time() + tid * 7919)
end

-- Wall-clock seconds. wrk's own duration is the -d it was given even when
-- every thread stopped early, so a run with a limit times itself: a fork
-- at the first request and one at the stop, nothing in between.
local function now()
	local f = io.popen("date +%s.%N")
	local t = tonumber(f:read("*l"))
	f:close()
	return t
end
local t_first

-- Out of work: stop this thread; answers still in flight are not counted.
local stopped = false
local function finish()
	if not stopped then
		wrk.thread:set("t_first", t_first)
		wrk.thread:set("t_last", now())
	end
	stopped = true
	wrk.thread:stop()
	return wrk.format("GET", "/api/v1/health", {})
end

function request()
	if mode == "get" then
		return wrk.format("GET", nil, headers)
	end
	if t_first == nil then
		t_first = now()
	end
	local nthreads = tonumber(os.getenv("BENCH_THREADS") or "1")
	local k = tid + n * nthreads
	n = n + 1
	if limit > 0 and k >= limit then
		return finish()
	end
	if mode == "register" then
		local body = string.format(
			'{"name":"w%d-%d","public_key":"%s","endpoint":"198.19.%d.%d:51820"}',
			tid, n, random_key(), math.floor(k / 250) % 250, k % 250 + 1)
		return wrk.format("POST", "/api/v1/register", headers, body)
	elseif mode == "accept" then
		if k >= #ids then
			return finish()
		end
		return wrk.format("POST", "/api/v1/admin/peers/" .. ids[k + 1] .. "/accept",
			headers, "{}")
	elseif mode == "pair" then
		if #ids == 0 or #partners == 0 or k >= #ids * #partners then
			return finish()
		end
		local a = ids[(k % #ids) + 1]
		local b = partners[(math.floor(k / #ids) % #partners) + 1]
		return wrk.format("PUT", "/api/v1/admin/pairs/" .. a .. "/" .. b, headers)
	end
	return finish()
end

function response(status, hdrs, body)
	if stopped then
		return
	end
	local good
	if expect == "2xx" then
		good = status >= 200 and status < 300
	else
		good = tostring(status) == expect
	end
	if good then
		ok = ok + 1
	else
		bad = bad + 1
		if badstatus == 0 then
			badstatus = status
		end
	end
	wrk.thread:set("ok", ok)
	wrk.thread:set("bad", bad)
	wrk.thread:set("badstatus", badstatus)
end

function done(summary, latency, requests)
	local tok, tbad, first = 0, 0, 0
	local t0, t1, early = nil, nil, true
	for _, t in ipairs(threads) do
		local a, b = t:get("t_first"), t:get("t_last")
		if a == nil or b == nil then
			early = false
		else
			t0 = (t0 == nil or a < t0) and a or t0
			t1 = (t1 == nil or b > t1) and b or t1
		end
		tok = tok + (t:get("ok") or 0)
		tbad = tbad + (t:get("bad") or 0)
		local s = t:get("badstatus") or 0
		if first == 0 and s ~= 0 then
			first = s
		end
	end
	local e = summary.errors
	tbad = tbad + e.connect + e.read + e.write + e.timeout
	local secs = summary.duration / 1e6
	if early and t0 ~= nil then
		secs = t1 - t0
	end
	io.write(string.format(
		"BENCH ok=%d bad=%d secs=%.3f rps=%.1f p50_ms=%.3f p99_ms=%.3f status=%d\n",
		tok, tbad, secs, secs > 0 and tok / secs or 0,
		latency:percentile(50) / 1000, latency:percentile(99) / 1000, first))
end
