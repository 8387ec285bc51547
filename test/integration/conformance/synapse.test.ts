import { SynapseUnderTest } from './synapse';
import { describeConformance } from './suite';

describeConformance(new SynapseUnderTest());
