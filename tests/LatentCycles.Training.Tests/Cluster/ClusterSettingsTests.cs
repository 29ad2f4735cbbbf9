using System.Net;
using System.Net.Sockets;

namespace LatentCycles.Training.Tests.Cluster;

public sealed class ClusterSettingsTests
{
    [Theory]
    [InlineData("127.0.0.1")]
    [InlineData("10.1.2.3")]
    [InlineData("coordinator.example")]
    public void A_specific_hostname_is_advertised_as_it_is(string hostname)
    {
        Assert.Equal(hostname, ClusterSettings.Advertised(hostname));
    }

    [Fact]
    public void A_hostname_binding_every_interface_is_advertised_as_a_real_address_of_this_machine_or_refused()
    {
        var advertised = "";
        var refusal = Record.Exception(() => advertised = ClusterSettings.Advertised("0.0.0.0"));

        if (refusal is not null)
            Assert.Contains("no address besides loopback", Assert.IsType<ArgumentException>(refusal).Message);
        else
        {
            var address = IPAddress.Parse(advertised);
            Assert.Equal(AddressFamily.InterNetwork, address.AddressFamily);
            Assert.False(IPAddress.IsLoopback(address) || address.Equals(IPAddress.Any), advertised);
        }
    }
}
