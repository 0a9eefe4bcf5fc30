-- Each request comes from one of 1000 clients, as behind a trusted proxy: the apps run with
-- server.forward-headers-strategy=framework, so X-Forwarded-For becomes request.getRemoteAddr().
local counter = 0
request = function()
  counter = counter + 1
  local client = counter % 1000
  local address = "10.0." .. math.floor(client / 250) .. "." .. (client % 250 + 1)
  return wrk.format("GET", "/test", { ["X-Forwarded-For"] = address })
end
