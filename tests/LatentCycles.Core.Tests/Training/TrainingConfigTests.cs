using LatentCycles.Core.Training;

namespace LatentCycles.Core.Tests.Training;

public sealed class TrainingConfigTests
{
    [Theory]
    [InlineData(100, int.MaxValue, 1)]
    [InlineData(2000, 2147482000, 1)]
    [InlineData(2000, 256, 8)]
    [InlineData(256, 256, 1)]
    [InlineData(257, 256, 2)]
    public void Blocks_cover_every_chain_once_even_for_block_sizes_near_the_integer_limit(int chains, int blockSize, int blocks)
    {
        var config = new TrainingConfig { Chains = chains, BlockSize = blockSize };

        Assert.Equal(blocks, config.BlockCount);
        Assert.Equal(chains, Enumerable.Range(0, blocks).Sum(b => config.Block(b).Count));
        Assert.Equal((blocks - 1) * (long)blockSize, config.Block(blocks - 1).FirstChain);
    }
}
