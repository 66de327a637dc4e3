// A real Minecraft client from minecraft-protocol, for the front door's
// tests. Prints one JSON line with the outcome on stdout, then exits.
//
//   node client.js ping <host> <port>
//     the Server List Ping result (version, players, description, latency)
//   node client.js login <host> <port> <username> <version> [<chat>]
//     an offline-mode login: {"outcome":"kicked","reason":…} when the
//     server refuses it, or, once in the game, sends <chat> and reports
//     the server's answer: {"outcome":"chat","text":…}
//   node client.js online <host> <port> <username> <version> <session server> <access token> <uuid>
//     an online-mode login with an account of the given session server
//     (the tests' stand-in, never Mojang's): the client joins it before
//     answering the encryption request, then reports as `login` does
const mc = require('minecraft-protocol')

const [mode, host, port, username, version] = process.argv.slice(2)
const chat = mode === 'login' ? process.argv[7] : undefined
const [sessionServer, accessToken, uuid] = process.argv.slice(7)

function done (result) {
  process.stdout.write(JSON.stringify(result) + '\n')
  process.exit(0)
}

// The test's own guard against hanging; the test has a longer one.
setTimeout(() => done({ outcome: 'timeout' }), 20000)

if (mode === 'ping') {
  mc.ping({ host, port: parseInt(port, 10) }, (error, result) => {
    if (error) done({ outcome: 'error', error: String(error) })
    else done({ outcome: 'status', status: result })
  })
} else {
  // Online: a session as minecraft-protocol's Mojang login would leave
  // it, without asking Microsoft or Mojang for one.
  const online = (client, options) => {
    client.username = username
    client.session = { accessToken, selectedProfile: { id: uuid, name: username } }
    options.accessToken = accessToken
    options.haveCredentials = true
    options.connect(client)
  }
  const client = mc.createClient({
    host,
    port: parseInt(port, 10),
    username,
    version,
    auth: mode === 'online' ? online : 'offline',
    sessionServer: mode === 'online' ? sessionServer : undefined
  })
  client.on('disconnect', (packet) => done({ outcome: 'kicked', reason: packet.reason }))
  client.on('kick_disconnect', (packet) => done({ outcome: 'kicked', reason: packet.reason }))
  client.on('error', (error) => done({ outcome: 'error', error: String(error) }))
  client.on('end', (reason) => done({ outcome: 'ended', reason: String(reason) }))
  client.on('login', () => {
    client.write('chat', { message: chat || 'hello' })
  })
  client.on('chat', (packet) => {
    const text = JSON.parse(packet.message).text
    if (text && text.startsWith('echo: ')) done({ outcome: 'chat', text })
  })
}
