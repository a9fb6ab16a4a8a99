package org.leo.attest.action;

import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import org.leo.boot.net.MacAddress;

/**
 * Wake-on-LAN: sends the magic packet (6 x 0xFF, then the MAC 16 times) to the HPC segment's
 * broadcast address. It can only power an HPC on: a "cycle" of a running HPC does nothing, so use it
 * together with an action that stops the HPC (a BMC, or a cut network that makes its watchdog halt
 * it), or where the HPC powers off on its own.
 */
public final class WakeOnLanPowerControl implements PowerControl {
    private final InetSocketAddress broadcast;

    public WakeOnLanPowerControl(InetSocketAddress broadcast) {
        this.broadcast = broadcast;
    }

    static byte[] magicPacket(MacAddress mac) {
        byte[] m = mac.toByteArray();
        byte[] p = new byte[6 + 16 * 6];
        for (int i = 0; i < 6; i++) {
            p[i] = (byte) 0xFF;
        }
        for (int i = 0; i < 16; i++) {
            System.arraycopy(m, 0, p, 6 + i * 6, 6);
        }
        return p;
    }

    @Override
    public void powerCycle(String hpc) throws IOException {
        byte[] p = magicPacket(MacAddress.parse(hpc));
        try (DatagramSocket s = new DatagramSocket()) {
            s.setBroadcast(true);
            s.send(new DatagramPacket(p, p.length, broadcast));
        }
    }

    @Override
    public String describe() {
        return "Wake-on-LAN to " + broadcast;
    }
}
