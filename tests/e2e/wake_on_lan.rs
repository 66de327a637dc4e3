//! Wake-on-LAN sending against a loopback UDP listener (never a broadcast).

use crate::support;

use std::time::Duration;

use cubeguardian::peers::wol::{send_magic_packets, MacAddress};
use support::wol::WolListener;

const GENEROUS: Duration = Duration::from_secs(10);

#[tokio::test]
async fn exactly_count_magic_packets_arrive_for_the_mac() {
    let listener = WolListener::start().await.unwrap();
    let mac: MacAddress = "aa-bb-cc-dd-ee-0f".parse().unwrap();

    send_magic_packets(mac, listener.addr(), 3).await.unwrap();

    let packets = listener.wait_for_packets(3, GENEROUS).await;
    assert_eq!(packets, vec![[0xAA, 0xBB, 0xCC, 0xDD, 0xEE, 0x0F]; 3]);
    assert_eq!(listener.invalid_datagrams(), 0);
    // Nothing more trickles in after the burst.
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(listener.packets().len(), 3);
}

#[tokio::test]
async fn count_one_sends_one_and_zero_sends_none() {
    let listener = WolListener::start().await.unwrap();
    let mac = MacAddress::new([1, 2, 3, 4, 5, 6]);
    send_magic_packets(mac, listener.addr(), 0).await.unwrap();
    send_magic_packets(mac, listener.addr(), 1).await.unwrap();
    assert_eq!(
        listener.wait_for_packets(1, GENEROUS).await,
        vec![[1, 2, 3, 4, 5, 6]]
    );
}

#[tokio::test]
async fn the_listener_counts_invalid_datagrams_separately() {
    let listener = WolListener::start().await.unwrap();
    let socket = tokio::net::UdpSocket::bind("127.0.0.1:0").await.unwrap();
    let mut wrong_repetition = vec![0xFF; 6];
    for i in 0..16u8 {
        wrong_repetition.extend_from_slice(&[i, 0, 0, 0, 0, 0]);
    }
    for datagram in [&b"hello"[..], &[0xFF; 101], &wrong_repetition] {
        socket.send_to(datagram, listener.addr()).await.unwrap();
    }
    send_magic_packets(MacAddress::new([9; 6]), listener.addr(), 1)
        .await
        .unwrap();

    // The valid packet was sent last, so once it is in, the others are counted.
    assert_eq!(listener.wait_for_packets(1, GENEROUS).await, vec![[9; 6]]);
    assert_eq!(listener.invalid_datagrams(), 3);
}
