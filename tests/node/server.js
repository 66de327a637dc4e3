// A real Minecraft server (offline mode) from minecraft-protocol, for the
// front door's relay tests: it accepts logins, and answers every chat
// message with "echo: <message>". Prints one JSON line per event on
// stdout; exits when its stdin closes (the test ended).
//
// Usage: node server.js <port> <version>
const mc = require('minecraft-protocol')

const [port, version] = process.argv.slice(2)
const server = mc.createServer({
  host: '127.0.0.1',
  port: parseInt(port, 10),
  version,
  'online-mode': false,
  motd: 'The real server',
  'max-players': 42
})

function say (event) {
  process.stdout.write(JSON.stringify(event) + '\n')
}

server.on('playerJoin', (client) => {
  say({ event: 'join', username: client.username })
  // The 1.12.2 join packet (the version the tests use: its chat is plain
  // JSON both ways).
  client.write('login', {
    entityId: client.id,
    gameMode: 0,
    dimension: 0,
    difficulty: 2,
    maxPlayers: server.maxPlayers,
    levelType: 'default',
    reducedDebugInfo: false
  })
  client.write('position', { x: 0, y: 64, z: 0, yaw: 0, pitch: 0, flags: 0 })
  client.on('chat', (packet) => {
    say({ event: 'chat', username: client.username, message: packet.message })
    client.write('chat', {
      message: JSON.stringify({ text: 'echo: ' + packet.message }),
      position: 0
    })
  })
  client.on('end', () => say({ event: 'left', username: client.username }))
})
// Every connection, pings included: what reached the real server.
server.on('connection', () => say({ event: 'connection' }))
server.on('listening', () => say({ event: 'listening', port: server.socketServer.address().port }))
server.on('error', (error) => say({ event: 'error', error: String(error) }))
process.stdin.on('end', () => process.exit(0))
process.stdin.resume()
