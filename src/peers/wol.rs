//! Wake-on-LAN: wakes the game host by sending it magic packets over UDP.
//!
//! Owns the MAC address type (parsed from the config) and the sending; the
//! packet layout itself comes from the `wake-on-lan` crate. A magic packet is
//! fire-and-forget — nothing answers it — so whether the host woke up is
//! learnt later by probing Proxmox and Minecraft, not here.

use std::fmt;
use std::io;
use std::net::{Ipv4Addr, Ipv6Addr, SocketAddr};
use std::str::FromStr;
use std::time::Duration;

use tokio::net::UdpSocket;

/// Pause between two copies of the magic packet. UDP gives no delivery
/// guarantee and a sleeping NIC, a switch port coming out of power saving or
/// a busy Wi-Fi bridge may drop one datagram; spacing the copies out means a
/// momentary loss does not swallow them all, while 100 ms keeps the whole
/// burst well under a second.
pub const PACKET_GAP: Duration = Duration::from_millis(100);

/// A network card's hardware address, the identity a magic packet carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct MacAddress([u8; 6]);

impl MacAddress {
    pub fn new(bytes: [u8; 6]) -> Self {
        MacAddress(bytes)
    }

    pub fn bytes(&self) -> [u8; 6] {
        self.0
    }
}

/// Why a MAC address from the config could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid MAC address `{input}`: expected six hex pairs like AA:BB:CC:DD:EE:FF or AA-BB-CC-DD-EE-FF")]
pub struct MacParseError {
    pub input: String,
}

impl FromStr for MacAddress {
    type Err = MacParseError;

    /// Accepts six two-digit hex groups separated by all `:` or all `-`, in
    /// any case.
    fn from_str(input: &str) -> Result<Self, Self::Err> {
        let error = || MacParseError {
            input: input.to_owned(),
        };
        let text = input.trim();
        let separator = if text.contains(':') { ':' } else { '-' };
        let mut bytes = [0u8; 6];
        let mut groups = text.split(separator);
        for byte in &mut bytes {
            let group = groups.next().ok_or_else(error)?;
            if group.len() != 2 || !group.bytes().all(|b| b.is_ascii_hexdigit()) {
                return Err(error());
            }
            *byte = u8::from_str_radix(group, 16).map_err(|_| error())?;
        }
        if groups.next().is_some() {
            return Err(error());
        }
        Ok(MacAddress(bytes))
    }
}

impl fmt::Display for MacAddress {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let [a, b, c, d, e, g] = self.0;
        write!(f, "{a:02X}:{b:02X}:{c:02X}:{d:02X}:{e:02X}:{g:02X}")
    }
}

/// Why the magic packets could not be sent. Both name the target so the
/// admin alert says where the packets were going.
#[derive(Debug, thiserror::Error)]
pub enum WolError {
    #[error("cannot open a UDP socket to send the wake-on-lan packet to {target}")]
    Socket {
        target: SocketAddr,
        #[source]
        source: io::Error,
    },
    #[error("cannot send the wake-on-lan packet for {mac} to {target}")]
    Send {
        mac: MacAddress,
        target: SocketAddr,
        #[source]
        source: io::Error,
    },
}

/// Sends `count` magic packets for `mac` to `target` (in production a
/// broadcast address such as 255.255.255.255:9), [`PACKET_GAP`] apart.
/// `count == 0` sends nothing.
pub async fn send_magic_packets(
    mac: MacAddress,
    target: SocketAddr,
    count: u32,
) -> Result<(), WolError> {
    let socket_error = |source| WolError::Socket { target, source };
    let local: SocketAddr = match target {
        SocketAddr::V4(_) => (Ipv4Addr::UNSPECIFIED, 0).into(),
        SocketAddr::V6(_) => (Ipv6Addr::UNSPECIFIED, 0).into(),
    };
    let socket = UdpSocket::bind(local).await.map_err(socket_error)?;
    // Without SO_BROADCAST the kernel refuses to send to a broadcast address
    // (IPv6 has no broadcast, so there is nothing to allow there).
    if target.is_ipv4() {
        socket.set_broadcast(true).map_err(socket_error)?;
    }

    let packet = wake_on_lan::MagicPacket::new(&mac.0);
    for sent in 0..count {
        if sent > 0 {
            tokio::time::sleep(PACKET_GAP).await;
        }
        socket
            .send_to(packet.magic_bytes(), target)
            .await
            .map_err(|source| WolError::Send {
                mac,
                target,
                source,
            })?;
    }
    log::debug!("sent {count} wake-on-lan packet(s) for {mac} to {target}");
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mac_addresses_parse_in_both_notations_and_any_case() {
        let expected = MacAddress([0xAA, 0xBB, 0xCC, 0x0D, 0xEE, 0x0F]);
        for input in [
            "AA:BB:CC:0D:EE:0F",
            "aa-bb-cc-0d-ee-0f",
            "aA:bB:Cc:0d:eE:0F",
            " aa:bb:cc:0d:ee:0f\n",
        ] {
            assert_eq!(input.parse::<MacAddress>(), Ok(expected), "{input:?}");
        }
        assert_eq!(expected.to_string(), "AA:BB:CC:0D:EE:0F");
    }

    #[test]
    fn malformed_mac_addresses_are_refused_with_the_input_named() {
        for input in [
            "",
            "AA:BB:CC:DD:EE",
            "AA:BB:CC:DD:EE:FF:00",
            "AA:BB:CC:DD:EE:GG",
            "AA:BB-CC:DD:EE:FF",
            "A:BB:CC:DD:EE:FFF",
            "AABBCCDDEEFF",
            "+A:BB:CC:DD:EE:FF",
            "AA::BB:CC:DD:EE",
        ] {
            let error = input.parse::<MacAddress>().unwrap_err();
            assert_eq!(error.input, input);
            assert!(error.to_string().contains("AA:BB:CC:DD:EE:FF"));
        }
    }

    #[test]
    fn magic_packet_layout_is_six_ff_then_sixteen_macs() {
        let mac = [1, 2, 3, 4, 5, 6];
        let packet = wake_on_lan::MagicPacket::new(&mac);
        let bytes = packet.magic_bytes();
        assert_eq!(bytes.len(), 102);
        assert_eq!(bytes[..6], [0xFF; 6]);
        assert!(bytes[6..].chunks(6).all(|chunk| chunk == mac));
    }
}
