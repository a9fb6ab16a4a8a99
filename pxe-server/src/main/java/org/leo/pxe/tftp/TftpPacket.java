package org.leo.pxe.tftp;

/** One decoded TFTP packet. */
public sealed interface TftpPacket permits TftpRequest, TftpData, TftpAck, TftpError, TftpOack {
    TftpOpcode opcode();
}
