#!/usr/bin/python3
# A stand-in for systemd-resolved on the test's own bus: the link
# methods banger-priv calls and the link properties `banger doctor`
# reads.  Each call is appended to LOG as one line, e.g.
#   SetLinkDNS 7 2:10.213.0.1
#   SetLinkDomains 7 vm:1
# Usage: fake-resolved.py BUS-ADDRESS LOG
import socket
import sys

import dbus
import dbus.mainloop.glib
import dbus.service
from gi.repository import GLib

NAME = "org.freedesktop.resolve1"
MGR = NAME + ".Manager"
LINK = NAME + ".Link"
links = {}


def note(line):
    with open(sys.argv[2], "a") as f:
        f.write(line + "\n")


class Link(dbus.service.Object):
    def __init__(self, bus, ifindex):
        self.ifindex = ifindex
        self.dns = dbus.Array([], signature="(iay)")
        self.domains = dbus.Array([], signature="(sb)")
        super().__init__(bus, "/org/freedesktop/resolve1/link/_%d" % ifindex)

    @dbus.service.method(dbus.PROPERTIES_IFACE, in_signature="ss",
                         out_signature="v")
    def Get(self, iface, prop):
        if iface == LINK and prop == "DNS":
            return self.dns
        if iface == LINK and prop == "Domains":
            return self.domains
        raise dbus.exceptions.DBusException(
            "no such property", name="org.freedesktop.DBus.Error.UnknownProperty")


class Manager(dbus.service.Object):
    def __init__(self, bus):
        self.bus = bus
        super().__init__(bus, "/org/freedesktop/resolve1")

    def link(self, ifindex):
        if ifindex not in links:
            links[ifindex] = Link(self.bus, ifindex)
        return links[ifindex]

    @dbus.service.method(MGR, in_signature="i", out_signature="o")
    def GetLink(self, ifindex):
        return self.link(int(ifindex))

    @dbus.service.method(MGR, in_signature="ia(iay)")
    def SetLinkDNS(self, ifindex, servers):
        l = self.link(int(ifindex))
        l.dns = dbus.Array(servers, signature="(iay)")
        note("SetLinkDNS %d %s" % (ifindex, " ".join(
            "%d:%s" % (f, socket.inet_ntop(socket.AF_INET if f == 2 else
                                           socket.AF_INET6, bytes(a)))
            for f, a in servers)))

    @dbus.service.method(MGR, in_signature="ia(sb)")
    def SetLinkDomains(self, ifindex, domains):
        l = self.link(int(ifindex))
        l.domains = dbus.Array(domains, signature="(sb)")
        note("SetLinkDomains %d %s" % (ifindex, " ".join(
            "%s:%d" % (d, r) for d, r in domains)))

    @dbus.service.method(MGR, in_signature="ib")
    def SetLinkDefaultRoute(self, ifindex, on):
        self.link(int(ifindex))
        note("SetLinkDefaultRoute %d %d" % (ifindex, on))


dbus.mainloop.glib.DBusGMainLoop(set_as_default=True)
bus = dbus.bus.BusConnection(sys.argv[1])
Manager(bus)
name = dbus.service.BusName(NAME, bus)
note("ready")
GLib.MainLoop().run()
