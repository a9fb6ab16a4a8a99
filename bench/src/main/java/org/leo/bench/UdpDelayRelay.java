package org.leo.bench;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A UDP relay that adds a fixed one-way delay in each direction, so a benchmark on loopback sees
 * a LAN-like round trip (the kernel's netem is not available on our build machines).
 *
 * <p>It understands TFTP's transfer identifiers (RFC 1350 section 4): a server answers from a new
 * port for every transfer, so the relay gives each (client, server port) pair its own
 * client-facing port, and the client, which locks onto the port its first answer came from,
 * keeps talking through the relay. Works for any request/response UDP protocol with that shape.
 *
 * <p>One thread, non-blocking channels, a FIFO of due packets (every packet waits the same
 * delay, so due times are in arrival order). Waits shorter than a millisecond spin, because
 * {@code Selector.select(timeout)} has millisecond granularity; the relay therefore keeps one core
 * busy while packets are in flight. Usage: {@code UdpDelayRelay LISTEN_HOST:PORT SERVER_HOST:PORT RTT_MICROS}.
 */
public final class UdpDelayRelay implements AutoCloseable {
    /** Large enough for TFTP's largest block (65464 + 4) and any DHCP packet. */
    private static final int MAX_DATAGRAM = 65536;

    private final Selector selector;
    private final DatagramChannel front;
    private final InetSocketAddress server;
    private final long oneWayNanos;
    private final ArrayDeque<Pending> due = new ArrayDeque<>();
    /** Client address -> its upstream socket (towards the server). */
    private final Map<SocketAddress, DatagramChannel> upstreamByClient = new HashMap<>();
    private final Map<DatagramChannel, SocketAddress> clientByUpstream = new HashMap<>();
    /** (upstream socket, server port) -> the client-facing socket for that transfer. */
    private final Map<String, DatagramChannel> downstream = new HashMap<>();
    private final Map<DatagramChannel, Route> routeByDownstream = new HashMap<>();
    private volatile boolean closed;
    /** Counted before each send, so whoever received a relayed packet already sees it counted. */
    private final AtomicLong relayed = new AtomicLong();

    private record Pending(long dueNanos, DatagramChannel via, SocketAddress to, ByteBuffer data) {
    }

    /** Where a client-facing transfer socket forwards to. */
    private record Route(DatagramChannel upstream, InetSocketAddress serverTid, SocketAddress client) {
    }

    public UdpDelayRelay(InetSocketAddress listen, InetSocketAddress server, long roundTripMicros) throws IOException {
        this.selector = Selector.open();
        this.server = server;
        this.oneWayNanos = roundTripMicros * 1000 / 2;
        this.front = open(listen);
    }

    public InetSocketAddress localAddress() throws IOException {
        return (InetSocketAddress) front.getLocalAddress();
    }

    private DatagramChannel open(InetSocketAddress bind) throws IOException {
        DatagramChannel ch = DatagramChannel.open();
        ch.configureBlocking(false);
        ch.bind(bind);
        ch.register(selector, SelectionKey.OP_READ);
        return ch;
    }

    /** Relays until {@link #close()}. */
    public void run() throws IOException {
        ByteBuffer buf = ByteBuffer.allocateDirect(MAX_DATAGRAM);
        while (!closed) {
            long wait = due.isEmpty() ? 100_000_000L : due.peekFirst().dueNanos - System.nanoTime();
            int ready = wait > 1_000_000L ? selector.select(Math.max(1, wait / 1_000_000L - 1)) : selector.selectNow();
            if (ready > 0) {
                for (SelectionKey key : selector.selectedKeys()) {
                    DatagramChannel ch = (DatagramChannel) key.channel();
                    SocketAddress from;
                    while ((from = ch.receive(buf.clear())) != null) {
                        buf.flip();
                        ByteBuffer copy = ByteBuffer.allocate(buf.remaining()).put(buf).flip();
                        route(ch, from, copy);
                    }
                }
                selector.selectedKeys().clear();
            }
            long now = System.nanoTime();
            while (!due.isEmpty() && due.peekFirst().dueNanos - now <= 0) {
                Pending p = due.pollFirst();
                relayed.incrementAndGet();
                p.via.send(p.data, p.to);
            }
        }
    }

    private void route(DatagramChannel ch, SocketAddress from, ByteBuffer data) throws IOException {
        long at = System.nanoTime() + oneWayNanos;
        if (ch == front) {                          // a new request from a client
            DatagramChannel up = upstreamByClient.get(from);
            if (up == null) {
                up = open(new InetSocketAddress(server.getAddress(), 0));
                upstreamByClient.put(from, up);
                clientByUpstream.put(up, from);
            }
            due.addLast(new Pending(at, up, server, data));
        } else if (clientByUpstream.containsKey(ch)) { // the server answering, maybe from a new TID
            InetSocketAddress serverTid = (InetSocketAddress) from;
            String key = System.identityHashCode(ch) + "/" + serverTid.getPort();
            DatagramChannel down = downstream.get(key);
            SocketAddress client = clientByUpstream.get(ch);
            if (down == null) {
                down = open(new InetSocketAddress(((InetSocketAddress) front.getLocalAddress()).getAddress(), 0));
                downstream.put(key, down);
                routeByDownstream.put(down, new Route(ch, serverTid, client));
            }
            due.addLast(new Pending(at, down, client, data));
        } else {                                    // the client talking to a transfer
            Route r = routeByDownstream.get(ch);
            if (r != null) {
                due.addLast(new Pending(at, r.upstream, r.serverTid, data));
            }
        }
    }

    public long relayed() {
        return relayed.get();
    }

    @Override
    public void close() throws IOException {
        closed = true;
        selector.wakeup();
    }

    public static void main(String[] args) throws Exception {
        if (args.length != 3) {
            System.err.println("usage: UdpDelayRelay LISTEN_HOST:PORT SERVER_HOST:PORT RTT_MICROS");
            System.exit(2);
        }
        UdpDelayRelay relay = new UdpDelayRelay(parse(args[0]), parse(args[1]), Long.parseLong(args[2]));
        System.out.println("relaying " + relay.localAddress() + " -> " + args[1] + " with a round trip of " + args[2] + " us");
        relay.run();
    }

    private static InetSocketAddress parse(String hostPort) {
        int i = hostPort.lastIndexOf(':');
        return new InetSocketAddress(hostPort.substring(0, i), Integer.parseInt(hostPort.substring(i + 1)));
    }
}
