-- The whole authorization code flow, as a browser and an app make it: authorize page, consent form, token.
-- wrk does not say which connection a response came from, so each response carries what the next step needs (the
-- page its transaction and CSRF token, the redirect its code), and any connection can take any flow's next step:
-- finished steps wait in two queues, and a connection takes a queued step before it starts a new flow.
counted = 0
local consents, codes = {}, {}
local channel = os.getenv("LOAD_CLIENT_ID")
local secret = os.getenv("LOAD_CLIENT_SECRET")
local user = os.getenv("LOAD_USER_ID")
local callback = "http://127.0.0.1:8080/callback"
local authorize = "/oauth2/v2.1/authorize?response_type=code&client_id=" .. channel ..
  "&redirect_uri=http%3A%2F%2F127.0.0.1%3A8080%2Fcallback&state=load&scope=profile%20openid&nonce=n"

local function encode(value)
  return (value:gsub("[^%w%-%._~]", function(c) return string.format("%%%02X", string.byte(c)) end))
end

request = function()
  local code = table.remove(codes)
  if code then
    local body = "grant_type=authorization_code&code=" .. code .. "&redirect_uri=" .. encode(callback) ..
      "&client_id=" .. channel .. "&client_secret=" .. secret
    return wrk.format("POST", "/oauth2/v2.1/token", { ["Content-Type"] = "application/x-www-form-urlencoded" }, body)
  end
  local consent = table.remove(consents)
  if consent then
    local body = "transaction=" .. encode(consent.transaction) .. "&csrf=" .. consent.csrf .. "&decision=allow&user_id=" .. user
    return wrk.format("POST", "/oauth2/v2.1/authorize/consent",
      { ["Content-Type"] = "application/x-www-form-urlencoded", ["Cookie"] = "linekit_csrf=" .. consent.csrf }, body)
  end
  return wrk.format("GET", authorize)
end

response = function(status, headers, body)
  if status == 200 then
    local transaction = body:match('name="transaction" value="([^"]+)"')
    if transaction then
      consents[#consents + 1] = { transaction = transaction, csrf = body:match('name="csrf" value="([^"]+)"') }
    elseif body:find('"access_token"', 1, true) then
      counted = counted + 1
    end
  elseif status == 302 or status == 303 then
    local location = headers["Location"] or headers["location"] or ""
    local code = location:match("[?&]code=([^&]+)")
    if code then codes[#codes + 1] = code end
  end
end
